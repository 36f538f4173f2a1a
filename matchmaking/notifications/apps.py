from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "matchmaking.notifications"
    label = "notifications"
