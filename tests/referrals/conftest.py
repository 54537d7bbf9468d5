"""Fixtures for the intake tests: valid form data for each kind, and small files."""

import secrets
from datetime import date

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 60
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"

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


@pytest.fixture(autouse=True)
def _intake_settings(settings):
    # A private in-memory cache per test, so rate-limit counters never leak between tests.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "cip_b-tests"}
    }
    settings.RATELIMIT_POSTS = 1000
    settings.UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    settings.UPLOAD_MAX_FILES = 10
    settings.INTAKE_EMAIL = "intake@example.org"
    settings.SITE_URL = "https://cip.example.org"
    cache.clear()
    # A request to /es/ leaves Spanish active in the test thread: start and end in English.
    translation.activate("en")
    yield
    translation.activate("en")
    cache.clear()


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


def upload(name="report.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(settings):
    root = settings.PRIVATE_MEDIA_ROOT
    if not root.exists():
        return []
    return [p for p in root.rglob("*") if p.is_file()]


FORMS = {
    "refer": referral_data,
    "second_opinion": second_opinion_data,
    "existing_patient": existing_patient_data,
}


@pytest.fixture
def dob_today():
    return date.today()


def spanish_url(name, *args):
    with translation.override("es"):
        return reverse(name, args=args)
