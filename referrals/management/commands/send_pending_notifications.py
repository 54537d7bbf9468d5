from django.core.management.base import BaseCommand

from referrals.notifications import send_pending


class Command(BaseCommand):
    help = "Send the emails still waiting in the outbox (each one exactly once). Safe to run from cron."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="Send at most this many emails.")

    def handle(self, *args, limit=None, **options):
        sent = send_pending(limit=limit)
        self.stdout.write(f"Sent {sent} email(s).")
