from django.apps import AppConfig


class ReferenceDataConfig(AppConfig):
    name = "d8coop.reference_data"
    label = "reference_data"
    verbose_name = "Reference data"
