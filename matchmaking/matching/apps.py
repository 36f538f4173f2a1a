from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matchmaking.matching"
    label = "matching"
    verbose_name = _("Matching")

    def ready(self):
        from matchmaking.core.navigation import register_nav_link
        from matchmaking.core.panels import register_panel
        from matchmaking.core.seeding import register_seeder
        from matchmaking.matching import panels, signals
        from matchmaking.matching.demo import seed_suggestions

        signals.connect()

        from matchmaking.cases.models import Case
        from matchmaking.core.changes import track_changes
        from matchmaking.matching.models import LexiconTerm, SynonymGroup

        track_changes(SynonymGroup, LexiconTerm, Case)  # the engine rebuilds when they change
        register_panel("need-detail", 20, panels.need_suggestions_panel)
        register_panel("offering-detail", 20, panels.offering_needs_panel)
        register_panel("enterprise-dashboard", 20, panels.dashboard_panel)
        register_panel("vendor-dashboard", 20, panels.dashboard_panel)
        register_panel("need-form", 20, panels.need_form_panel)
        register_panel("moderation-queue", 20, panels.moderation_hubs_panel)
        register_panel("moderation-queue", 10, panels.moderation_copies_panel)
        register_panel("revision-detail", 10, panels.revision_copies_panel)
        register_panel("offering-detail", 10, panels.offering_copies_panel)
        register_nav_link("vendor", 30, _("Opportunities"), "matching:opportunities")
        register_seeder(40, seed_suggestions, atomic=False)  # rebuilds in batches
