from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "matchmaking.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from matchmaking.notifications import listeners, panels

        panels.register()
        listeners.register()
