"""Test data and small helpers for the referrals tests (and any other test that needs a submission).

Plain functions and constants only: fixtures live in ``conftest.py`` and
``coordinator_fixtures.py``, which may import from here (never the other way round).
"""

import io
import secrets
from datetime import date

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image
from pypdf import PdfWriter

from referrals.models import Attachment, RecordItem, Submission
from referrals.roles import COORDINATORS_GROUP, coordinator_permissions
from referrals.services.intake import new_reference

# --- Files --------------------------------------------------------------------------


def pdf_bytes(pages=1, *, password=None):
    """A real PDF of blank pages, as pypdf writes it (optionally opened only with ``password``)."""
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=612, height=792)
    if password is not None:
        writer.encrypt(password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(format="PNG", size=(4, 3), **options):
    """A real image of one colour, as Pillow saves it: saving it again gives the same bytes (nothing to remove)."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=format, **options)
    return out.getvalue()


# Real files, the smallest that open: uploads are checked by their structure, not only their first bytes.
PDF = pdf_bytes()
PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG", quality=95)
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 60
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def upload(name="report.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(settings):
    """Every file in the private media folder (tests/conftest.py gives each test its own)."""
    root = settings.PRIVATE_MEDIA_ROOT
    if not root.exists():
        return []
    return [p for p in root.rglob("*") if p.is_file()]


# --- What the public forms post -----------------------------------------------------

# Marker values: if any of these shows up in an email or a log line, PHI leaked.
MARKERS = {
    "patient_name": "Zyxmarker Qwopname",
    "patient_dob": "2015-03-17",
    "insurance_payer": "Insmarker Plokcare",
    "insurance_member_id": "MEMBRQX9931",
    "message": "Msgmarker vwzq private words",
    "contact_name": "Ctcmarker Jubbly",
    "diagnosis_other": "Dxmarker Fribble",
}


def token():
    return secrets.token_urlsafe(32)


def referral_data(**overrides):
    data = {
        "form_token": token(),
        "referrer_name": "Dr Ada Lovelace",
        "referrer_credentials": "MD",
        "referrer_npi": "1234567893",
        "referrer_practice": "Springfield Children's",
        "referrer_phone": "215-555-0134",
        "referrer_fax": "",
        "referrer_email": "doctor@example.org",
        "patient_name": MARKERS["patient_name"],
        "patient_dob": MARKERS["patient_dob"],
        "patient_sex": "female",
        "diagnosis": "other",
        "diagnosis_other": MARKERS["diagnosis_other"],
        "disease_status": "second_relapse",
        "cd19_status": "positive",
        "prior_car_t": "on",
        "prior_car_t_date": "2024-05-01",
        "current_treatment": "Txmarker regimen",
        "urgency": "urgent",
        "urgent_reason": "Urgmarker rising blasts",
        "insurance_payer": MARKERS["insurance_payer"],
        "insurance_member_id": MARKERS["insurance_member_id"],
        "contact_name": MARKERS["contact_name"],
        "contact_phone": "+44 20 7946 0958",
        "contact_email": "parent@example.org",
        "preferred_language": "Spanish",
        "interpreter_needed": "on",
        "family_aware": "on",
    }
    data.update(overrides)
    return data


def second_opinion_data(**overrides):
    data = {
        "form_token": token(),
        "submitter_role": "parent",
        "submitter_relationship": "",
        "contact_name": MARKERS["contact_name"],
        "contact_phone": "(215) 555-0199",
        "contact_email": "family@example.org",
        "preferred_contact_method": "phone",
        "preferred_contact_time": "evening",
        "preferred_language": "English",
        "patient_name": MARKERS["patient_name"],
        "patient_dob": MARKERS["patient_dob"],
        "diagnosis": "b_all",
        "current_hospital": "Hosmarker General, Springfield",
        "current_oncologist": "Dr Oncmarker",
        "oncologist_phone": "",
        "oncologist_email": "",
        "message": MARKERS["message"],
        "insurance_payer": MARKERS["insurance_payer"],
        "insurance_member_id": MARKERS["insurance_member_id"],
        "consent_to_contact": "on",
        "not_emergency_acknowledged": "on",
    }
    data.update(overrides)
    return data


def existing_patient_data(**overrides):
    data = {
        "form_token": token(),
        "submitter_role": "parent",
        "contact_name": MARKERS["contact_name"],
        "patient_name": MARKERS["patient_name"],
        "patient_dob": MARKERS["patient_dob"],
        "medical_record_number": "MRN0042",
        "topic": "appointment",
        "message": MARKERS["message"],
        "contact_phone": "215 555 0123",
        "preferred_contact_time": "morning",
        "contact_email": "family@example.org",
        "not_emergency_acknowledged": "on",
    }
    data.update(overrides)
    return data


# URL name of each public form -> its data builder.
FORMS = {
    "refer": referral_data,
    "second_opinion": second_opinion_data,
    "existing_patient": existing_patient_data,
}


def valid_form(form_class, data, files=None):
    """The bound intake form for ``data`` (and ``files``, the documents), asserted valid: what ``intake.submit`` takes."""
    form = form_class(data, {"documents": files} if files else None)
    assert form.is_valid(), form.errors
    return form


def spanish_url(name, *args):
    with translation.override("es"):
        return reverse(name, args=args)


# --- Rows made with the ORM directly, so admin tests do not depend on the intake code ---


def make_reference():
    """A reference of the real shape (the status page refuses any other)."""
    return new_reference()


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
    submission = Submission(**values)
    if "age_months_at_submission" not in fields:
        submission.set_age_at_submission()  # as intake.submit does
    submission.save(force_insert=True)
    states = record_states or {}
    RecordItem.objects.bulk_create(
        RecordItem(submission=submission, item=item, state=states.get(item, RecordItem.State.MISSING))
        for item in RecordItem.Item.values
    )
    return submission


def make_attachment(submission, *, content=b"%PDF-1.4\n%%EOF\n", name="report.pdf", content_type="application/pdf"):
    """An Attachment row with its file in the private storage."""
    attachment = Attachment(
        submission=submission, original_name=name, content_type=content_type, size=len(content), sha256="0" * 64
    )
    attachment.file.save("stored-name.pdf", ContentFile(content), save=False)
    attachment.save()
    return attachment


# --- Coordinators -----------------------------------------------------------------

PASSWORD = "correct horse battery staple"


def coordinators_group():
    """The group from migration 0002; rebuilt the same way if a transactional test flushed the database."""
    group, _created = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    if not group.permissions.exists():
        create_permissions(apps.get_app_config("referrals"), verbosity=0)
        group.permissions.set(coordinator_permissions(Permission))
    return group


def make_coordinator(username="coord", password=PASSWORD, **fields):
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password=password, is_staff=True, **fields
    )
    user.groups.add(coordinators_group())
    return user


def verified_client(user):
    """A client signed in as ``user`` with a confirmed TOTP device, as after a two-factor login."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def change_url(submission):
    return reverse("admin:referrals_submission_change", args=[submission.pk])


def change_form_data(client, submission):
    """What the change page's form would send unchanged: its values, hidden initial values and management forms."""
    response = client.get(change_url(submission))
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if field.show_hidden_initial:
            data[form.add_initial_prefix(name)] = "" if value is None else value
        if value in (None, False):
            continue
        data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for key, value in management.initial.items():
            data[f"{formset.formset.prefix}-{key}"] = value
    return data


def post_change(client, submission, data=None, **fields):
    """Post the change form as the browser would: the page's values plus the given changes."""
    data = {**(data if data is not None else change_form_data(client, submission)), **fields}
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(change_url(submission), data)


class BrokenBackend(BaseEmailBackend):
    """An email backend whose server is down (settings.EMAIL_BACKEND = "tests.referrals.factories.BrokenBackend")."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down for " + messages[0].to[0])
