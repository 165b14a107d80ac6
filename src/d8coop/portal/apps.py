from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "d8coop.portal"
    label = "portal"
    verbose_name = _("Public portal")

    def ready(self) -> None:
        from d8coop.portal.caching import connect_invalidation

        connect_invalidation()
