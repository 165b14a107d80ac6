from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "d8coop.core"
    label = "core"
    verbose_name = "Core"
