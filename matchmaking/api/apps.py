from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "matchmaking.api"
    label = "api"
