from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferenceDataConfig(AppConfig):
    name = "d8coop.reference_data"
    label = "reference_data"
    verbose_name = _("Reference data")
