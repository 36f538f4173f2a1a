from django.apps import AppConfig


class ListingsConfig(AppConfig):
    name = "matchmaking.listings"
    label = "listings"
