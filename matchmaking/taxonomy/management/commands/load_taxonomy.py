from django.core.management.base import BaseCommand

from matchmaking.taxonomy.services import taxonomy_load


class Command(BaseCommand):
    help = "Create the white paper's taxonomy terms from fixtures/taxonomy.json (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Reset names and descriptions to the fixture's.",
        )

    def handle(self, *args, overwrite: bool = False, **options):
        created = taxonomy_load(overwrite=overwrite)
        self.stdout.write(f"Taxonomy loaded ({created} new terms).")
