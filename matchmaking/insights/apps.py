from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "matchmaking.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self):
        from matchmaking.core.home import register_home_section
        from matchmaking.core.navigation import register_nav_link
        from matchmaking.core.page_cache import page_versions
        from matchmaking.insights import home, signals
        from matchmaking.insights.caching import bump_insights_version, version_key
        from matchmaking.matching.services import suggestions_replaced

        signals.connect()
        # the matching rebuild replaces stored lists without a signal per row
        suggestions_replaced.register(bump_insights_version)
        page_versions.register(version_key)
        register_nav_link("public", 40, _("Insights"), "insights:index")
        register_home_section(60, home.top_gaps_section)
