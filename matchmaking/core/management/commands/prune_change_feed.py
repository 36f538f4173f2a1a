"""`manage.py prune_change_feed [--days N]`: delete change-feed records older than the
retention (CHANGE_FEED_RETENTION_DAYS, default 7). Readers only look back seconds, so old
records serve nobody; the newest record is always kept. See docs/change-feed.md."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from matchmaking.core.changes import prune_changes


class Command(BaseCommand):
    help = "Delete change-feed records older than the retention period."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=float,
            default=None,
            help="keep this many days (default: CHANGE_FEED_RETENTION_DAYS)",
        )

    def handle(self, *args, days: float | None, **options):
        days = settings.CHANGE_FEED_RETENTION_DAYS if days is None else days
        deleted = prune_changes(older_than_seconds=int(days * 86400))
        self.stdout.write(f"Change feed: {deleted} records older than {days:g} days deleted")
