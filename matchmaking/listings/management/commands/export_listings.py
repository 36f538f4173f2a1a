"""Export organizations, offerings, needs (and registered sections) as llm-match/v1 JSON."""

from django.core.management.base import BaseCommand

from matchmaking.listings.io.exporter import export_file


class Command(BaseCommand):
    help = (
        "Write the site's organizations, offerings, needs (and cases, when available) to an "
        "llm-match/v1 JSON file that import_listings reads back unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the JSON file to write.")
        parser.add_argument(
            "--published-only",
            action="store_true",
            help="Only published offerings and open, non-private needs.",
        )

    def handle(self, *args, **options):
        data = export_file(options["file"], include_unpublished=not options["published_only"])
        counts = ", ".join(
            f"{len(value)} {name}" for name, value in data.items() if isinstance(value, list)
        )
        self.stdout.write(self.style.SUCCESS(f"Wrote {counts} to {options['file']}."))
