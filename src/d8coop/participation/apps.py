from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "d8coop.participation"
    verbose_name = _("Exhibitions and workshops")
