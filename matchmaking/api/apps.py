from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "matchmaking.api"
    label = "api"
    verbose_name = _("API")

    def ready(self):
        from matchmaking.accounts.signals import password_changed
        from matchmaking.api import authentication  # noqa: F401 - registers the schema extension
        from matchmaking.api.services import tokens_revoke_on_password_change

        password_changed.connect(
            tokens_revoke_on_password_change, dispatch_uid="api-tokens-password-changed"
        )
        from matchmaking.api.web import token_panel
        from matchmaking.core.panels import register_panel

        register_panel("profile", 50, token_panel)
