"""`manage.py restore FILE`: put a backup back, then check its counts and the audit chain."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.backup import BackupError, restore, row_counts
from audit.recorder import verify


class Command(BaseCommand):
    help = "Replace the database and the media folder with a backup's, and verify them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("backup", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask: the current data is replaced."
        )

    def handle(self, *args, backup: Path, yes: bool = False, **options) -> None:
        if not backup.exists():
            raise CommandError(f"no such backup: {backup}")
        if not yes and input("This replaces every record and file. Type yes: ") != "yes":
            raise CommandError("restore cancelled")
        try:
            manifest = restore(backup)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = row_counts()
        wrong = {
            label: (expected, counts.get(label))
            for label, expected in manifest["counts"].items()
            if counts.get(label) != expected
        }
        if wrong:
            raise CommandError(f"restored counts differ from the backup's: {wrong}")
        verdict = verify()
        if not verdict.ok:
            raise CommandError(f"audit chain broken after restore: {verdict.message}")
        self.stdout.write(
            f"restored {backup} ({manifest['created_at']}): counts match, {verdict.message}"
        )
