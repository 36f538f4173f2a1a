from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matchmaking.matching"
    label = "matching"
