from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "d8coop.opportunities"
    verbose_name = _("Investment opportunities")
