from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectionsConfig(AppConfig):
    name = "matchmaking.connections"
    label = "connections"
    verbose_name = _("Connections")

    def ready(self):
        from matchmaking.accounts import models as account_models
        from matchmaking.connections import panels, selectors
        from matchmaking.core.navigation import register_nav_link
        from matchmaking.core.panels import register_panel

        # Contacts of counterparts with an accepted connection (both directions).
        if selectors.accepted_counterpart_ids not in account_models.CONTACT_DISCLOSURE_PROVIDERS:
            account_models.CONTACT_DISCLOSURE_PROVIDERS.append(selectors.accepted_counterpart_ids)
        # Vendors see a private need once a connection links them to it.
        from matchmaking.listings.scoping import private_need_audience

        private_need_audience.register(selectors.contacted_need_ids)
        # Outcomes of connections train the matcher's ranker and calibration.
        from matchmaking.matching import learning

        if selectors.connection_outcomes not in learning.FEEDBACK_PROVIDERS:
            learning.FEEDBACK_PROVIDERS.append(selectors.connection_outcomes)

        register_panel("offering-detail", 50, panels.offering_connect_panel)
        register_panel("need-detail", 50, panels.need_connect_panel)
        register_panel("organization-detail", 50, panels.organization_stats_panel)
        for role in ("enterprise", "vendor"):
            register_nav_link(role, 60, _("Dashboard"), "connections:dashboard")
            register_nav_link(role, 61, _("Connections"), "connections:inbox")

        from matchmaking.connections.demo import seed_connections
        from matchmaking.core.seeding import register_seeder

        register_seeder(50, seed_connections)
