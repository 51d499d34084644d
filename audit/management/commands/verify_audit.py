"""Check the audit trail's hash chain and the security log's rows against their digests; exit
non-zero naming the first row altered or removed."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from audit.recorder import seal, verify
from audit.security_log import verify_events


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain (seals pending rows first)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-seal", action="store_true", help="Verify only; leave pending rows unsealed."
        )

    def handle(self, *args, **options) -> None:
        sealed = 0 if options["no_seal"] else seal()
        verdict = verify()
        if not verdict.ok:
            raise CommandError(f"audit chain broken: {verdict.message}")
        events_ok, events_message = verify_events()
        if not events_ok:
            raise CommandError(f"security log broken: {events_message}")
        suffix = f" ({sealed} pending rows sealed)" if sealed else ""
        self.stdout.write(f"audit chain intact: {verdict.message}{suffix}; {events_message}")
