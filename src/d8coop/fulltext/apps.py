from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulltextConfig(AppConfig):
    name = "d8coop.fulltext"
    verbose_name = _("Full-text search")

    def ready(self) -> None:
        from d8coop.fulltext import signals

        signals.connect()
