from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "matchmaking.cases"
    label = "cases"
