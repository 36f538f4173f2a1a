from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "matchmaking.core"
    label = "core"
