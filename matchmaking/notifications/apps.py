from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "matchmaking.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.core.signals import request_started
        from django.db.models.signals import post_delete, post_save

        from matchmaking.core.navigation import navigation_state
        from matchmaking.notifications import listeners, panels, services
        from matchmaking.notifications.models import Notification

        panels.register()
        listeners.register()
        # The header's badge shows the unread count: the kept header follows it.
        navigation_state.register(services.unread_count)
        # The unread count of the navigation is kept under the user's notifications revision.
        for signal in (post_save, post_delete):
            signal.connect(
                services.notification_written,
                sender=Notification,
                dispatch_uid=f"notifications-unread-{signal is post_save}",
            )
        request_started.connect(services.forget_revised, dispatch_uid="notifications-revised")
