from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "d8coop.directory"
    verbose_name = _("SME directory")
