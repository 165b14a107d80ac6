from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "d8coop.accounts"
    label = "accounts"
    verbose_name = "Accounts"
