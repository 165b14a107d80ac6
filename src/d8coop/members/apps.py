from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "d8coop.members"
    label = "members"
    verbose_name = "Members and contacts"
