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
