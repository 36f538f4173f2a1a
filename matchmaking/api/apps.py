from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "matchmaking.api"
    label = "api"
    verbose_name = _("API")

    def ready(self):
        from matchmaking.api import authentication  # noqa: F401 - registers the schema extension
        from matchmaking.api.web import token_panel
        from matchmaking.core.panels import register_panel

        register_panel("profile", 50, token_panel)
