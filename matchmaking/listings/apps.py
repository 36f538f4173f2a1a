from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListingsConfig(AppConfig):
    name = "matchmaking.listings"
    label = "listings"

    def ready(self):
        from matchmaking.core.seeding import register_seeder
        from matchmaking.listings.demo import seed_listings
        from matchmaking.listings.io.sections import register as register_import_sections

        register_import_sections()
        register_seeder(20, seed_listings, atomic=False)  # imports in batches

        from matchmaking.core.home import register_home_section
        from matchmaking.core.navigation import register_nav_link
        from matchmaking.listings.home import home_section

        register_nav_link("public", 10, _("Offerings"), "listings:offering-list")
        register_nav_link("public", 20, _("Needs"), "listings:need-list")
        register_nav_link("enterprise", 10, _("My needs"), "listings:my-needs")
        register_nav_link("enterprise", 20, _("Post a need"), "listings:need-create")
        register_nav_link("vendor", 10, _("My offerings"), "listings:my-offerings")
        register_nav_link("vendor", 20, _("List an offering"), "listings:offering-create")
        register_nav_link("admin", 10, _("Moderation"), "listings:moderation-queue")
        register_home_section(20, home_section)

        from matchmaking.accounts.models import Organization
        from matchmaking.core.changes import track_changes
        from matchmaking.listings.models import Need, Offering

        track_changes(Offering, Need, Organization)  # the change feed the browse indexes follow

        from matchmaking.core.page_cache import page_versions
        from matchmaking.listings.caching import version_key

        page_versions.register(version_key)
