from django.apps import AppConfig


class ListingsConfig(AppConfig):
    name = "matchmaking.listings"
    label = "listings"

    def ready(self):
        from matchmaking.core.seeding import register_seeder
        from matchmaking.listings.demo import seed_listings
        from matchmaking.listings.io.sections import register as register_import_sections

        register_import_sections()
        register_seeder(20, seed_listings)

        from matchmaking.listings.registrations import register_all

        register_all()

        from matchmaking.accounts.models import Organization
        from matchmaking.core.changes import track_changes
        from matchmaking.listings.models import Need, Offering

        track_changes(Offering, Need, Organization)  # the change feed the browse indexes follow

        from matchmaking.core.page_cache import page_versions
        from matchmaking.listings.caching import version_key

        page_versions.register(version_key)
