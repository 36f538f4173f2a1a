from django.apps import AppConfig


class TaxonomyConfig(AppConfig):
    name = "matchmaking.taxonomy"
    label = "taxonomy"
