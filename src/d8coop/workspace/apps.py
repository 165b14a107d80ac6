from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    name = "d8coop.workspace"
    label = "workspace"
    verbose_name = _("Member-state workspaces")
