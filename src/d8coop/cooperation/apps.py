from django.apps import AppConfig


class CooperationConfig(AppConfig):
    name = "d8coop.cooperation"
    label = "cooperation"
    verbose_name = "Cooperation registry"
