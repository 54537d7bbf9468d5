from datetime import timedelta

from django.core.management.base import BaseCommand

from referrals.services.documents import remove_orphans


class Command(BaseCommand):
    help = (
        "Delete stored documents that no submission names (left by a process killed mid-upload), "
        "once they are older than --older-than minutes. Run hourly."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, default=60, help="Minutes (default 60): younger files may still be committing."
        )

    def handle(self, *args, older_than=60, **options):
        removed = remove_orphans(older_than=timedelta(minutes=older_than))
        self.stdout.write(f"Removed {len(removed)} orphan document(s).")
