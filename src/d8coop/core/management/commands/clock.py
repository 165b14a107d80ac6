"""`d8coop clock`: run the periodic jobs (settings.PERIODIC_JOBS) every minute.

Each job is a function taking the current instant; jobs are idempotent, so a second clock, a
restart or a manual run never does anything twice. `--once` runs them a single time.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def run_jobs(now: datetime) -> None:
    for path in settings.PERIODIC_JOBS:
        try:
            import_string(path)(now)
        except Exception:  # one failing job must not stop the others
            logger.exception("periodic job %s failed", path)


class Command(BaseCommand):
    help = "Run the periodic jobs every minute (closing consultations, reminders, digests)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run the jobs once and exit.")
        parser.add_argument("--as-of", help="With --once: the instant to run as (ISO 8601).")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between runs.")

    def handle(self, *args, **options):
        as_of = options["as_of"]
        if as_of and not options["once"]:
            raise CommandError("--as-of needs --once.")
        if options["once"]:
            now = parse_datetime(as_of) if as_of else timezone.now()
            if now is None or timezone.is_naive(now):
                raise CommandError("--as-of must be an ISO 8601 instant with its offset.")
            run_jobs(now)
            return
        while True:
            run_jobs(timezone.now())
            time.sleep(options["interval"])
