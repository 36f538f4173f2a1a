from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "matchmaking.accounts"
    label = "accounts"
