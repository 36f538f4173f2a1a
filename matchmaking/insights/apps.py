from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "matchmaking.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self):
        from matchmaking.core.home import register_home_section
        from matchmaking.core.navigation import register_nav_link
        from matchmaking.insights import home, signals

        signals.connect()

        from matchmaking.core.page_cache import page_versions
        from matchmaking.insights.caching import version_key

        page_versions.register(version_key)
        register_nav_link("public", 40, _("Insights"), "insights:index")
        register_home_section(60, home.top_gaps_section)
