"""The confirmation page and email tell the truth: who contacts whom, how and by when (urgent referrals
their own promise, across weekends), how many documents arrived, where to check the status, and which line to call."""

import re
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from django.urls import resolve, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from core.phones import phone_lines
from referrals.models import Submission

from .factories import (
    MARKERS,
    existing_patient_data,
    make_attachment,
    make_submission,
    referral_data,
    second_opinion_data,
    spanish_url,
    upload,
)

pytestmark = pytest.mark.django_db

REFERRAL, SECOND_OPINION, EXISTING = (
    Submission.Kind.REFERRAL,
    Submission.Kind.SECOND_OPINION,
    Submission.Kind.EXISTING_PATIENT,
)


def confirmation_html(client, submission, language="en"):
    with translation.override(language):
        path = reverse("referrals:confirmation", args=[submission.confirmation_token])
    response = client.get(path)
    assert response.status_code == 200
    return " ".join(response.content.decode().split())  # one line: sentences may wrap in the template


def local(year, month, day, hour=10):
    return timezone.make_aware(datetime(year, month, day, hour))


# --- Who contacts whom, and how -------------------------------------------------------

PROMISES = [
    (REFERRAL, "", "A coordinator will contact your office (you, the referring clinician) within 1 business day."),
    (SECOND_OPINION, "phone", "A coordinator will call you within 1 business day."),
    (SECOND_OPINION, "text", "A coordinator will send you a text message within 1 business day."),
    (SECOND_OPINION, "email", "A coordinator will email you within 1 business day."),
    (SECOND_OPINION, "", "A coordinator will get in touch within 1 business day."),
    (EXISTING, "", "A member of the care team will call you back within 1 business day."),
    (EXISTING, "text", "A member of the care team will send you a text message within 1 business day."),
    (EXISTING, "email", "A member of the care team will email you within 1 business day."),
]


@pytest.mark.parametrize(("kind", "method", "promise"), PROMISES)
def test_routine_promise_names_who_and_how(client, kind, method, promise):
    submission = make_submission(kind=kind, preferred_contact_method=method)
    html = confirmation_html(client, submission)
    assert promise in html
    assert "urgent" not in html.lower().replace("urgent symptoms", "")
    for other in {p for _k, _m, p in PROMISES} - {promise}:
        assert other not in html


def test_routine_promise_follows_the_setting_in_the_plural(client, settings):
    settings.FIRST_CONTACT_BUSINESS_DAYS = 3
    html = confirmation_html(client, make_submission(kind=SECOND_OPINION, preferred_contact_method="email"))
    assert "A coordinator will email you within 3 business days." in html


# --- The urgent promise, across weekends and holidays --------------------------------

SAME_DAY = (
    "Because you marked this referral urgent, a coordinator will call your office the same business day "
    "(the next business day if you sent it on a weekend or holiday): by {}."
)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (local(2025, 3, 12), "Wednesday, March 12, 2025"),  # a Wednesday: that same day
        (local(2025, 3, 14, 16), "Friday, March 14, 2025"),  # Friday afternoon: still Friday
        (local(2025, 3, 15), "Monday, March 17, 2025"),  # Saturday: Monday
        (local(2025, 3, 16, 23), "Monday, March 17, 2025"),  # Sunday night: Monday
    ],
)
def test_urgent_referral_promises_the_same_business_day(client, settings, received, due):
    settings.URGENT_FIRST_CONTACT_BUSINESS_DAYS = 0
    submission = make_submission(urgency=Submission.Urgency.URGENT, received_at=received)
    html = confirmation_html(client, submission)
    assert SAME_DAY.format(due) in html
    assert "within 1 business day" not in html  # the routine promise is not shown as well


def test_urgent_promise_skips_a_holiday(client, settings):
    settings.URGENT_FIRST_CONTACT_BUSINESS_DAYS = 0
    settings.HOLIDAYS = ["2025-03-17"]
    submission = make_submission(urgency=Submission.Urgency.URGENT, received_at=local(2025, 3, 15))
    assert SAME_DAY.format("Tuesday, March 18, 2025") in confirmation_html(client, submission)


@pytest.mark.parametrize(
    ("days", "due", "unit"), [(1, "Monday, March 17, 2025", "day"), (2, "Tuesday, March 18, 2025", "days")]
)
def test_urgent_promise_in_business_days_when_the_setting_says_so(client, settings, days, due, unit):
    settings.URGENT_FIRST_CONTACT_BUSINESS_DAYS = days
    submission = make_submission(urgency=Submission.Urgency.URGENT, received_at=local(2025, 3, 14, 16))  # a Friday
    html = confirmation_html(client, submission)
    expected = f"a coordinator will call your office within {days} business {unit}: by {due}."
    assert "Because you marked this referral urgent, " + expected in html


def test_urgent_promise_in_spanish_uses_spanish_dates(client, settings):
    settings.URGENT_FIRST_CONTACT_BUSINESS_DAYS = 0
    submission = make_submission(urgency=Submission.Urgency.URGENT, received_at=local(2025, 3, 15))
    assert "lunes, 17 de marzo de 2025" in confirmation_html(client, submission, "es")


# --- Documents, status page, phone lines, queries ------------------------------------


@pytest.mark.parametrize(
    ("count", "sentence"),
    [
        (0, "No documents came with the form: a coordinator will ask for records."),
        (1, "We received 1 document."),
        (2, "We received 2 documents."),
    ],
)
@pytest.mark.parametrize("kind", [REFERRAL, SECOND_OPINION])
def test_page_says_how_many_documents_arrived(client, kind, count, sentence):
    submission = make_submission(kind=kind)
    for _ in range(count):
        make_attachment(submission)
    assert sentence in confirmation_html(client, submission)


def test_existing_patient_page_has_no_document_talk_but_the_after_hours_line(client):
    html = confirmation_html(client, make_submission(kind=EXISTING))
    assert "document" not in html.lower()
    assert "Messages are read on business days only." in html
    after_hours = phone_lines().after_hours
    assert f'<span class="phone-number">{after_hours.number}</span>' in html


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("kind", [REFERRAL, SECOND_OPINION, EXISTING])
def test_page_links_the_status_page_in_its_language(client, kind, language):
    html = confirmation_html(client, make_submission(kind=kind), language)
    with translation.override(language):
        status = reverse("referrals:status")
        needs = translation.gettext("You need your reference number and the patient's date of birth.")
    assert status == ("/es/status/" if language == "es" else "/status/")
    assert f'href="{status}"' in html
    assert needs in html


@pytest.mark.parametrize(
    ("kind", "urgency", "physician_line"),
    [
        (REFERRAL, Submission.Urgency.URGENT, True),
        (REFERRAL, Submission.Urgency.ROUTINE, False),
        (SECOND_OPINION, Submission.Urgency.ROUTINE, False),
        (EXISTING, Submission.Urgency.ROUTINE, False),
    ],
)
def test_every_page_gives_the_main_line_and_urgent_referrals_the_physicians_line(client, kind, urgency, physician_line):
    lines = phone_lines()
    html = confirmation_html(client, make_submission(kind=kind, urgency=urgency))
    assert f'<span class="phone-number">{lines.main.number}</span>' in html
    assert "phone-placeholder" in html and "tel:" not in html  # the default numbers are placeholders
    assert (lines.physician.number in html) is physician_line


def test_real_numbers_are_links(client, settings):
    settings.PHONE_MAIN, settings.PHONE_PHYSICIAN = "267-426-5437", "267-426-5438"
    html = confirmation_html(client, make_submission(urgency=Submission.Urgency.URGENT))
    assert '<a class="phone-number" href="tel:2674265437">267-426-5437</a>' in html
    assert '<a class="phone-number" href="tel:2674265438">267-426-5438</a>' in html
    assert "phone-placeholder" not in html


def test_page_is_one_query_and_reads_no_phi(client, django_assert_num_queries):
    submission = make_submission(urgency=Submission.Urgency.URGENT, urgent_reason="Urgmarker reason")
    make_attachment(submission)
    make_attachment(submission)
    path = reverse("referrals:confirmation", args=[submission.confirmation_token])
    with django_assert_num_queries(1) as queries:
        response = client.get(path)
    html = response.content.decode()
    assert "We received 2 documents." in html
    sql = queries.captured_queries[0]["sql"]
    for column in ("patient_name", "patient_dob", "diagnosis", "urgent_reason", "message", "contact_email"):
        assert column not in sql, column
    for value in (submission.patient_name, "Urgmarker", submission.contact_email):
        assert value not in html


def test_a_bot_that_filled_the_honeypot_gets_the_neutral_page(client):
    response = client.post(reverse("referrals:refer"), referral_data(website="https://spam.example"))
    html = " ".join(response.content.decode().split())
    assert response.status_code == 200
    assert "A coordinator will get in touch within 1 business day." in html
    assert "document" not in html.lower().split("records that help us")[0]
    assert not Submission.objects.exists()


# --- Through the forms: the page and the email ----------------------------------------


def send(client, url, data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data, follow=True)
    assert response.status_code == 200
    return " ".join(response.content.decode().split()), Submission.objects.get()


def status_link(body):
    links = re.findall(r"https?://\S+", body)
    assert len(links) == 1, links
    return links[0]


def phi_values(submission):
    dob = submission.patient_dob
    values = [
        *MARKERS.values(),
        "Urgmarker",
        "Txmarker",
        submission.patient_name,
        dob.isoformat(),
        dob.strftime("%m/%d/%Y"),
        dob.strftime("%B %-d, %Y"),
        f"{dob.day} de",
        submission.get_diagnosis_display(),
    ]
    return [value for value in values if value]


def test_urgent_referral_with_documents_page_and_email(client, mailoutbox, django_capture_on_commit_callbacks):
    data = referral_data(documents=[upload("a.pdf"), upload("b.pdf")])
    html, submission = send(client, reverse("referrals:refer"), data, django_capture_on_commit_callbacks)
    due = submission.first_contact_due()
    assert "Because you marked this referral urgent" in html
    assert "We received 2 documents." in html
    email = next(m for m in mailoutbox if m.to == ["doctor@example.org"])
    body = " ".join(email.body.split())
    assert "Because you marked this referral urgent, a coordinator will call your office" in body
    assert f"by {date_format(due, 'l')}, {date_format(due, 'DATE_FORMAT')}." in body
    assert "We received 2 documents." in body
    link = status_link(email.body)
    assert link == "https://cip.example.org/status/"
    assert resolve(urlsplit(link).path).view_name == "referrals:status"
    for value in phi_values(submission):
        assert value not in email.subject + email.body, value


@pytest.mark.parametrize(
    ("method", "promise"),
    [("phone", "will call you"), ("text", "will send you a text message"), ("email", "will email you")],
)
def test_second_opinion_email_follows_the_contact_method(
    client, mailoutbox, django_capture_on_commit_callbacks, method, promise
):
    data = second_opinion_data(preferred_contact_method=method)
    html, submission = send(client, reverse("referrals:second_opinion"), data, django_capture_on_commit_callbacks)
    email = next(m for m in mailoutbox if m.to == ["family@example.org"])
    body = " ".join(email.body.split())
    assert f"A coordinator {promise} within 1 business day." in html
    assert f"A coordinator {promise} within 1 business day." in body
    assert "No documents came with the form: a coordinator will ask for records." in body
    for value in phi_values(submission):
        assert value not in email.subject + email.body, value


def test_existing_patient_email_in_spanish_links_the_spanish_status_page(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    url = spanish_url("referrals:existing_patient")
    _html, submission = send(client, url, existing_patient_data(), django_capture_on_commit_callbacks)
    email = next(m for m in mailoutbox if m.to == ["family@example.org"])
    link = status_link(email.body)
    assert link == "https://cip.example.org/es/status/"
    with translation.override("es"):
        assert resolve(urlsplit(link).path).view_name == "referrals:status"
    assert "documento" not in email.body.lower()  # messages carry no documents
    for value in phi_values(submission):
        assert value not in email.subject + email.body, value
