from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "matchmaking.connections"
    label = "connections"
