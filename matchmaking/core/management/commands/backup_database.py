"""`manage.py backup_database OUT [--media OUT.tar.gz]`: a consistent copy of the database
(SQLite online backup while the site runs; PostgreSQL `pg_dump -Fc`), and optionally a tar of
MEDIA_ROOT. See deploy/README.md, "Backups"."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from matchmaking.core import backup


class Command(BaseCommand):
    help = "Back up the database (and optionally the media folder) to files."

    def add_arguments(self, parser):
        parser.add_argument("output", type=Path, help="database backup file to write")
        parser.add_argument("--media", type=Path, help="also write MEDIA_ROOT as .tar.gz here")
        parser.add_argument("--database", default="default")

    def handle(self, *args, output: Path, media: Path | None, database: str, **options):
        try:
            backup.backup_database(output, alias=database)
            self.stdout.write(
                f"Database ({backup.database_vendor(database)}) backed up to {output}"
            )
            if media:
                backup.backup_media(media)
                self.stdout.write(f"Media backed up to {media}")
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
