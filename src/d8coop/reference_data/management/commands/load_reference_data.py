from django.core.management.base import BaseCommand, CommandError

from d8coop.reference_data.loader import ReferenceDataError, load_reference_data


class Command(BaseCommand):
    help = "Load the D-8 reference data (idempotent: a second run changes nothing)."

    def handle(self, *args, **options):
        try:
            report = load_reference_data()
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.summary())
