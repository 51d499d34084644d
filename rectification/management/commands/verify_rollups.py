"""Check the rollups of DESIGN.md section 6 against the live rows, or rebuild them."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rectification import rollups

SHOWN = 50  # differing cells named; the count says how many more


class Command(BaseCommand):
    help = (
        "Compare every rollup cell with the count of the live rows; exit 1 naming the cells "
        "that differ. With --rebuild, replace the rollups with the live counts first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help="Rebuild the rollups from the live rows."
        )

    def handle(self, *args: Any, rebuild: bool = False, **options: Any) -> None:
        if rebuild:
            rollups.rebuild()
            self.stdout.write("Rollups rebuilt from the live rows.")
        found = rollups.differences()
        if not found:
            self.stdout.write("Rollups exact.")
            return
        for line in found[:SHOWN]:
            self.stderr.write(line)
        if len(found) > SHOWN:
            self.stderr.write(f"… and {len(found) - SHOWN} more")
        self.stderr.write(f"{len(found)} rollup cells differ from the live rows.")
        sys.exit(1)
