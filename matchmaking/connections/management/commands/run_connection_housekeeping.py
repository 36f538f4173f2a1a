"""Expire unanswered connections and remind receivers before that. Run hourly from cron."""

from django.core.management.base import BaseCommand

from matchmaking.connections.services import connection_expire_due, connection_remind_due


class Command(BaseCommand):
    help = "Send expiry reminders and expire unanswered requests and proposals."

    def handle(self, *args, **options):
        reminded = connection_remind_due()
        expired = connection_expire_due()
        self.stdout.write(f"reminders sent: {reminded}; connections expired: {expired}")
