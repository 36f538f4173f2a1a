from django.apps import AppConfig


class TaxonomyConfig(AppConfig):
    name = "matchmaking.taxonomy"
    label = "taxonomy"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from matchmaking.core.seeding import register_seeder
        from matchmaking.taxonomy.models import TAXONOMY_MODELS
        from matchmaking.taxonomy.selectors import bump_taxonomy_version
        from matchmaking.taxonomy.services import seed_taxonomy

        for model in TAXONOMY_MODELS.values():
            post_save.connect(bump_taxonomy_version, sender=model, dispatch_uid=f"tax-{model}")
            post_delete.connect(bump_taxonomy_version, sender=model, dispatch_uid=f"tax-d-{model}")
        register_seeder(0, seed_taxonomy)

        from matchmaking.core.page_cache import page_versions
        from matchmaking.taxonomy.selectors import version_key

        page_versions.register(version_key)
