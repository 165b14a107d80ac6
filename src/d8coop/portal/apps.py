from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "d8coop.portal"
    label = "portal"
    verbose_name = "Public portal"
