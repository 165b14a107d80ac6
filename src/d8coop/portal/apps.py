from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "d8coop.portal"
    label = "portal"
    verbose_name = "Public portal"

    def ready(self) -> None:
        from d8coop.portal.caching import connect_invalidation

        connect_invalidation()
