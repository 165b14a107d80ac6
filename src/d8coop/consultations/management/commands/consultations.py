"""`d8coop consultations close-due [--as-of ISO-8601]`: close the rounds whose deadline has
passed and print what was closed. `send-reminders` does the same for reminders. Both are what
the clock runs every minute; running them again changes nothing."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from d8coop.consultations import services
from d8coop.consultations.formatting import record_instant


def _instant(text: str | None) -> datetime:
    if not text:
        return timezone.now()
    instant = parse_datetime(text)
    if instant is None or timezone.is_naive(instant):
        raise CommandError(
            f"--as-of {text!r}: give an ISO 8601 instant with its offset, "
            "e.g. 2015-03-01T00:00+02:00 or 2015-02-28T22:00Z."
        )
    return instant


class Command(BaseCommand):
    help = "Consultations by silence procedure: close-due, send-reminders."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{close-due,send-reminders}"
        )
        close = sub.add_parser("close-due", help="Close every round whose deadline has passed.")
        close.add_argument("--as-of", help="Act as at this instant (ISO 8601 with offset).")
        remind = sub.add_parser("send-reminders", help="Send the reminders now due.")
        remind.add_argument("--as-of", help="Act as at this instant (ISO 8601 with offset).")

    def handle(self, *args, **options) -> None:
        now = _instant(options.get("as_of"))
        if options["action"] == "send-reminders":
            sent = services.consultations_send_reminders(now)
            self.stdout.write(f"Reminders sent: {sent}.")
            return
        results = services.consultations_close_due(now, via="command")
        for result in results:
            round_ = result.round
            self.stdout.write(
                f"Closed round {round_.number} of “{round_.consultation.title}” "
                f"(consultation {round_.consultation_id}), deadline "
                f"{record_instant(round_.deadline, round_.time_zone)}: "
                f"{result.get_outcome_display().lower()}; circular {round_.circular.reference}."
            )
        if not results:
            self.stdout.write(f"No round was due at {now.isoformat()}.")
