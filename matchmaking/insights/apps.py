from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "matchmaking.insights"
    label = "insights"
