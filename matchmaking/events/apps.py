from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "matchmaking.events"
    label = "events"
    verbose_name = _("Matchmaking events")

    def ready(self):
        from matchmaking.core.navigation import register_nav_link
        from matchmaking.core.seeding import register_seeder
        from matchmaking.events.demo import seed_events

        register_nav_link("public", 35, _("Events"), "events:list")
        register_seeder(60, seed_events)
