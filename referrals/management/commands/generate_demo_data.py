"""``manage.py generate_demo_data --submissions N``: fictional submissions for demos and the benchmark.

The rows are made by ``referrals.demo_data``; this command decides whether the
database may receive them. It refuses a database that holds real submissions
(unless ``--append``) and, with DEBUG off, any database unless told it is not
production. It prints counts only, never a name.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from referrals import demo_data

# Changes whenever the generator makes different rows: the benchmark keeps a generated database while this matches.
VERSION = "1"


class Command(BaseCommand):
    help = "Fill the database with fictional submissions (and their history, notes, checklists and documents)."

    def add_arguments(self, parser):
        parser.add_argument("--submissions", type=int, required=True, help="How many submissions to make.")
        parser.add_argument("--seed", type=int, default=0, help="The same seed makes the same data (default 0).")
        parser.add_argument(
            "--notes-per-submission", type=float, default=2.0, help="Internal notes per submission, on average."
        )
        parser.add_argument(
            "--attachments-per-submission", type=float, default=1.5, help="Documents per submission, on average."
        )
        parser.add_argument("--batch-size", type=int, default=demo_data.BATCH_SIZE, help="Submissions per transaction.")
        parser.add_argument(
            "--append",
            action="store_true",
            help="Add to a database that already holds submissions this command did not make.",
        )
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            dest="i_know_this_is_not_production",
            help="Needed when DEBUG is off: demo patients must never mix into a real program's queue.",
        )

    def handle(self, *args, submissions, seed, notes_per_submission, attachments_per_submission, batch_size,
               append, i_know_this_is_not_production, **options):  # fmt: skip
        if submissions < 1 or batch_size < 1:
            raise CommandError(_("--submissions and --batch-size must be at least 1."))
        if not settings.DEBUG and not i_know_this_is_not_production:
            raise CommandError(
                _(
                    "DEBUG is off, so this may be a real program's database. Demo patients must never mix with "
                    "real ones: pass --i-know-this-is-not-production if it is a demo or benchmark database."
                )
            )
        if not append and demo_data.real_rows().exists():
            raise CommandError(
                _(
                    "This database already holds submissions this command did not make. "
                    "Pass --append to add demo submissions to them anyway."
                )
            )
        started, verbosity = time.monotonic(), options["verbosity"]

        def progress(done, total):
            if verbosity >= 1:
                self.stdout.write(f"{done:,} / {total:,} submissions ({time.monotonic() - started:.1f} s)")

        counts = demo_data.generate(
            submissions=submissions,
            seed=seed,
            notes_per_submission=notes_per_submission,
            attachments_per_submission=attachments_per_submission,
            batch_size=batch_size,
            progress=progress,
        )
        for label, count in sorted(counts.items()):
            self.stdout.write(f"{label}: {count:,} rows")
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f} s."))
