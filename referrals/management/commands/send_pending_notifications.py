import signal
import threading

from django.core.management.base import BaseCommand

from referrals.notifications import run_worker, send_pending


class Command(BaseCommand):
    help = (
        "Send the emails waiting in the outbox. Once and exit (for cron), or with --loop as the outbox worker: "
        "the process that sends every email, so no web request waits on the mail server."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="Send at most this many emails (once only).")
        parser.add_argument(
            "--loop", action="store_true", help="Keep sending until stopped (SIGTERM or Ctrl-C ends it cleanly)."
        )
        parser.add_argument(
            "--interval", type=float, default=None, help="Seconds between passes (OUTBOX_INTERVAL_SECONDS)."
        )

    def handle(self, *args, limit=None, loop=False, interval=None, **options):
        if not loop:
            sent = send_pending(limit=limit)
            self.stdout.write(f"Sent {sent} email(s).")
            return
        stop = threading.Event()
        # Finish the email in hand, then stop: systemd's SIGTERM and a terminal's Ctrl-C alike.
        previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in (signal.SIGTERM, signal.SIGINT)}
        self.stdout.write("Outbox worker started.")
        self.stdout.flush()
        try:
            run_worker(interval=interval, stop=stop)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write("Outbox worker stopped.")
