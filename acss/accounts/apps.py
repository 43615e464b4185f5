from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "acss.accounts"
    label = "accounts"
    verbose_name = "Comptes et organisations"
