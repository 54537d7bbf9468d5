"""Defects found on review of the first wave, one test each (each failed before its fix)."""

from datetime import date

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst

from referrals.exports import export_rows
from referrals.forms import ExistingPatientForm, SecondOpinionForm
from referrals.forms.fields import phone_field
from referrals.models import Submission
from referrals.services import intake
from tests.referrals.factories import PASSWORD, make_submission, second_opinion_data, valid_form

LOGIN = reverse("admin:login")
QUEUE = reverse("admin:referrals_submission_changelist")


# --- Sign-in ---------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_in_without_next_lands_on_the_queue(settings, coordinator):
    settings.OTP_REQUIRED = False
    response = Client().post(LOGIN, {"username": coordinator.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == QUEUE


@pytest.mark.django_db
def test_sign_in_page_without_next_sends_the_form_to_the_queue(settings):
    settings.OTP_REQUIRED = False
    html = Client().get(LOGIN).content.decode()
    assert f'name="next" value="{QUEUE}"' in html


@pytest.mark.django_db
def test_lockout_behind_a_proxy_counts_the_client_not_the_proxy(settings, coordinator):
    # Behind one trusted proxy every request comes from the proxy's address; the client is in X-Forwarded-For.
    settings.TRUSTED_PROXY_COUNT = 1
    settings.OTP_REQUIRED = False
    settings.AXES_FAILURE_LIMIT = 3
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = Client(HTTP_X_FORWARDED_FOR="203.0.113.66", **proxy)
    for attempt in range(3):
        attacker.post(LOGIN, {"username": coordinator.username, "password": f"wrong-{attempt}"})
    assert attacker.post(LOGIN, {"username": coordinator.username, "password": PASSWORD}).status_code == 429
    # The coordinator, at another address through the same proxy, is not locked out by the stranger.
    colleague = Client(HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    response = colleague.post(LOGIN, {"username": coordinator.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == QUEUE


# --- The intake notice -----------------------------------------------------------


@pytest.mark.django_db
def test_intake_notice_subject_names_the_kind_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submission = intake.submit(form=valid_form(SecondOpinionForm, second_opinion_data()))
    notice = next(message for message in mail.outbox if message.to == ["intake@example.org"])
    assert notice.subject == f"New patient or second opinion: {submission.reference}"
    assert "New New" not in notice.subject


# --- CSV headers in the coordinator's language ---------------------------------------


@pytest.mark.django_db
def test_csv_headers_are_translated_when_the_export_runs():
    # They were translated once, at import: a coordinator working in Spanish got English headers.
    submission = make_submission()
    with translation.override("es"):
        header = next(iter(export_rows([submission])))
        expected = capfirst(str(Submission._meta.get_field("patient_name").verbose_name))
    assert expected == "Nombre del paciente"
    assert expected in header and "Patient name" not in header
    with translation.override("en"):
        assert "Patient name" in next(iter(export_rows([submission])))


# --- Forms follow the settings ---------------------------------------------------------


@pytest.mark.django_db
def test_contact_time_help_follows_the_time_zone_setting(settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    with translation.override("en"):
        help_text = str(ExistingPatientForm().fields["preferred_contact_time"].help_text)
    assert "Eastern" not in help_text
    assert "PST" in help_text or "PDT" in help_text


def test_phone_fields_take_their_region_from_the_setting(settings):
    settings.PHONENUMBER_DEFAULT_REGION = "GB"
    field = phone_field("Phone")
    assert field.region == "GB"
    assert field.clean("020 7946 0958").as_e164 == "+442079460958"


# --- One likely-duplicate rule ----------------------------------------------------------


@pytest.mark.django_db
def test_queue_flag_and_change_page_list_agree_on_likely_duplicates(coordinator_client):
    dob = date(2014, 6, 1)
    first = make_submission(patient_name="Ana María López", patient_dob=dob)
    same = make_submission(patient_name="ana maría lópez", patient_dob=dob)
    other_dob = make_submission(patient_name="Ana María López", patient_dob=date(2014, 6, 2))
    closed = make_submission(patient_name="Ana María López", patient_dob=dob, status=Submission.Status.CLOSED)
    flagged = {s.pk for s in Submission.objects.with_duplicate_flag() if s.is_likely_duplicate}
    listed = {s.pk for s in Submission.objects.likely_duplicates_of(first)}
    assert listed == {same.pk}
    assert {first.pk, same.pk} <= flagged
    assert other_dob.pk not in flagged and other_dob.pk not in listed and closed.pk not in listed
    page = coordinator_client.get(reverse("admin:referrals_submission_change", args=[first.pk])).content.decode()
    assert same.reference in page and other_dob.reference not in page and closed.reference not in page
