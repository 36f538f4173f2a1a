from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectionsConfig(AppConfig):
    name = "matchmaking.connections"
    label = "connections"
    verbose_name = _("Connections")

    def ready(self):
        from matchmaking.accounts.models import contact_disclosure
        from matchmaking.connections import panels, selectors
        from matchmaking.connections.demo import seed_connections
        from matchmaking.core.navigation import register_nav_link
        from matchmaking.core.panels import register_panel
        from matchmaking.core.seeding import register_seeder
        from matchmaking.listings.scoping import private_need_audience
        from matchmaking.listings.selectors import need_page_annotations
        from matchmaking.matching.learning import feedback_outcomes

        # Contacts of counterparts with an accepted connection (both directions).
        contact_disclosure.register(selectors.accepted_counterpart_ids)
        # Vendors see a private need once a connection links them to it.
        private_need_audience.register(selectors.contacted_need_ids)
        # Outcomes of connections train the matcher's ranker and calibration.
        feedback_outcomes.register(selectors.connection_outcomes)

        register_panel("offering-detail", 50, panels.offering_connect_panel)
        register_panel("need-detail", 50, panels.need_connect_panel)
        # The need panel's figure is read with the need on its page.
        need_page_annotations.register(selectors.need_page_connection_total)
        register_panel("organization-detail", 50, panels.organization_stats_panel)
        for role in ("enterprise", "vendor"):
            register_nav_link(role, 60, _("Dashboard"), "connections:dashboard")
            register_nav_link(role, 61, _("Connections"), "connections:inbox")
        register_seeder(50, seed_connections)
