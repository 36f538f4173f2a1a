from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "matchmaking.core"
    label = "core"

    def ready(self):
        from matchmaking.core import shared_cache

        shared_cache.connect_request_signals()
