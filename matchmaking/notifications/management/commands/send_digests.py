"""Email the daily or weekly digests. Run from cron (see deploy/cron.example)."""

from django.core.management.base import BaseCommand

from matchmaking.notifications.services import send_digests


class Command(BaseCommand):
    help = "Send each user one digest email of their daily or weekly notifications and saved-search matches."

    def add_arguments(self, parser):
        parser.add_argument("--frequency", choices=["daily", "weekly"], required=True)

    def handle(self, *args, frequency, **options):
        sent = send_digests(frequency=frequency)
        self.stdout.write(f"{frequency} digests sent: {sent}")
