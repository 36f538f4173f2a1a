"""Import an `llm-match/v1` file (see docs/llm-match-v1.md)."""

import time

from django.core.management.base import BaseCommand, CommandError

from matchmaking.listings.io.importer import import_file


class Command(BaseCommand):
    help = (
        "Import organizations, offerings, needs (and cases, when that section is available) "
        "from an llm-match/v1 JSON file. Records are matched by `ref`: importing again "
        "updates them. The whole file is checked first; if anything is wrong, every error "
        "is printed and nothing is changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the llm-match/v1 JSON file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report; change nothing."
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        quiet = options["verbosity"] == 0

        def progress(section: str, done: int, total: int) -> None:
            if not quiet and total >= 1000:
                self.stderr.write(f"  {section}: {done}/{total}")

        report = import_file(options["file"], dry_run=options["dry_run"], progress=progress)
        if not report.ok:
            raise CommandError("\n".join(report.summary_lines()))
        for line in report.summary_lines():
            self.stdout.write(line)
        if not options["dry_run"]:
            self.stdout.write(
                self.style.SUCCESS(f"Imported in {time.monotonic() - started:.1f} s.")
            )
