"""Test data built with the ORM directly, so admin tests do not depend on the intake code."""

import secrets
from datetime import date

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from referrals.models import RecordItem, Submission


def make_reference():
    return f"CIP-{secrets.token_hex(2).upper()}-{secrets.token_hex(2).upper()}"


def make_submission(*, record_states=None, **fields):
    """A complete Submission row (a physician referral unless told otherwise), with its checklist rows."""
    values = {
        "reference": make_reference(),
        "confirmation_token": secrets.token_urlsafe(32),
        "form_token": secrets.token_urlsafe(32),
        "kind": Submission.Kind.REFERRAL,
        "submitter_role": Submission.SubmitterRole.CLINICIAN,
        "contact_name": "Maria Lopez",
        "contact_phone": "+12025550143",
        "contact_email": "maria.lopez@example.org",
        "patient_name": f"Patient {secrets.token_hex(3)}",
        "patient_dob": date(2015, 3, 14),
        "diagnosis": Submission.Diagnosis.B_ALL,
        "referrer_name": "Dr. Ana Ruiz",
        "referrer_npi": "1234567893",
        "referrer_email": "ana.ruiz@hospital.example.org",
        "consent_to_contact": True,
        "family_aware": True,
        "not_emergency_acknowledged": True,
        "received_at": timezone.now(),
    }
    values.update(fields)
    submission = Submission.objects.create(**values)
    states = record_states or {}
    RecordItem.objects.bulk_create(
        RecordItem(submission=submission, item=item, state=states.get(item, RecordItem.State.MISSING))
        for item in RecordItem.Item.values
    )
    return submission


COORDINATOR_PERMISSIONS = [
    "view_submission",
    "change_submission",
    "export_submission",
    "download_attachment",
    "view_dashboard",
    "view_note",
    "add_note",
    "view_attachment",
    "view_recorditem",
    "change_recorditem",
    "view_statuschange",
]


def coordinators_group():
    """The group from migration 0002; rebuilt the same way if a transactional test flushed the database."""
    group, _created = Group.objects.get_or_create(name="Coordinators")
    if not group.permissions.exists():
        create_permissions(apps.get_app_config("referrals"), verbosity=0)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="referrals", codename__in=COORDINATOR_PERMISSIONS)
        )
    return group


def make_coordinator(username="coord", password="correct horse battery staple", **fields):
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password=password, is_staff=True, **fields
    )
    user.groups.add(coordinators_group())
    return user
