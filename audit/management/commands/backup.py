"""`manage.py backup [--output FILE]`: the database and the evidence files in one tar file."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit.backup import BackupError, backup
from audit.recorder import seal


class Command(BaseCommand):
    help = "Back up the database and the media folder (evidence) into one .tar file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", type=Path, help="The .tar file to write.")

    def handle(self, *args, output: Path | None = None, **options) -> None:
        seal()  # the audit rows go into the backup with their place in the chain
        if output is None:
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            output = Path(settings.VAR_DIR) / "backups" / f"tracker-{stamp}.tar"
        try:
            manifest = backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["counts"].values())
        self.stdout.write(f"backup written to {output}: {rows} rows, media included")
