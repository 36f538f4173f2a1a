"""`manage.py restore_database IN [--media IN.tar.gz] [--no-input]`: replace the database with
a backup made by `backup_database` (SQLite: copied into the configured file; PostgreSQL:
`pg_restore --clean --if-exists`). Stop the app servers and task workers first."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from matchmaking.core import backup


class Command(BaseCommand):
    help = "Restore the database (and optionally the media folder) from a backup."

    def add_arguments(self, parser):
        parser.add_argument("input", type=Path, help="database backup file to restore")
        parser.add_argument("--media", type=Path, help="also unpack this media .tar.gz")
        parser.add_argument("--database", default="default")
        parser.add_argument("--no-input", action="store_true", help="do not ask to confirm")

    def handle(self, *args, **options):
        source: Path = options["input"]
        media: Path | None = options["media"]
        database: str = options["database"]
        if not options["no_input"]:
            answer = input(
                f"This replaces every row of the '{database}' database with {source}. Type yes: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            backup.restore_database(source, alias=database)
            self.stdout.write(f"Database restored from {source}")
            if media:
                backup.restore_media(media)
                self.stdout.write(f"Media restored from {media}")
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
