"""Remind participants shortly before a matchmaking event. Run hourly from cron."""

from django.core.management.base import BaseCommand

from matchmaking.events.services import event_remind_due


class Command(BaseCommand):
    help = "Remind the participants of events that start soon (once per event)."

    def handle(self, *args, **options):
        reminded = event_remind_due()
        self.stdout.write(f"events reminded: {reminded}")
