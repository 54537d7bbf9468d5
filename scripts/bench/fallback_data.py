"""Submissions for the queue databases when the project has no ``generate_demo_data`` command.

Only a stand-in: rows of the real shape (as tests/referrals/factories.make_submission builds one), written
in batches. ``random`` seeded, not ``secrets``: the same N and seed give the same names and dates; every token
comes from ``secrets`` as the intake service makes them.
"""

import random
import secrets
from datetime import date, timedelta

BATCH = 2000
SURNAMES = ["Garcia", "Smith", "Nguyen", "Okafor", "Kowalski", "Haddad", "Lopez", "Chen", "Ivanova", "Murphy",
            "Silva", "Khan", "Rossi", "Yamamoto", "Johnson", "Dubois", "Novak", "Mensah", "Cohen", "Patel"]  # fmt: skip
GIVEN = ["Ava", "Liam", "Mia", "Noah", "Sofia", "Mateo", "Zara", "Leo", "Amara", "Ethan", "Lucia", "Omar"]


def generate(submissions, seed):
    from django.db import transaction
    from django.utils import timezone

    from referrals.models import RecordItem, Submission
    from referrals.services.intake import new_reference

    rng = random.Random(seed)
    now = timezone.now()
    # Statuses that need nothing more (a decline needs its reason, "answered" is for messages only).
    statuses = ["new", "new", "in_review", "awaiting_records", "accepted", "closed"]
    for start in range(0, submissions, BATCH):
        rows = []
        for _n in range(start, min(start + BATCH, submissions)):
            row = Submission(
                reference=new_reference(),
                confirmation_token=secrets.token_urlsafe(32),
                form_token=secrets.token_urlsafe(32),
                kind=Submission.Kind.REFERRAL,
                submitter_role=Submission.SubmitterRole.CLINICIAN,
                status=rng.choice(statuses),
                urgency=rng.choice([Submission.Urgency.ROUTINE] * 4 + [Submission.Urgency.URGENT]),
                contact_name=f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}",
                contact_phone="+12025550143",
                contact_email=f"family{rng.randrange(10**6)}@example.org",
                patient_name=f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}",
                patient_dob=date(2008, 1, 1) + timedelta(days=rng.randrange(5000)),
                diagnosis=Submission.Diagnosis.B_ALL,
                referrer_name=f"Dr. {rng.choice(GIVEN)} {rng.choice(SURNAMES)}",
                referrer_npi="1234567893",
                referrer_email="referrer@hospital.example.org",
                consent_to_contact=True,
                family_aware=True,
                not_emergency_acknowledged=True,
                received_at=now - timedelta(minutes=rng.randrange(60 * 24 * 730)),
            )
            row.set_age_at_submission()
            rows.append(row)
        with transaction.atomic():
            Submission.objects.bulk_create(rows)
            RecordItem.objects.bulk_create(
                RecordItem(submission=row, item=item) for row in rows for item in RecordItem.Item.values
            )
