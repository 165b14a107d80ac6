from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class B2bConfig(AppConfig):
    name = "d8coop.b2b"
    verbose_name = _("B2B meetings at events")
