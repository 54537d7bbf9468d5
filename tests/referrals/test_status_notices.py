"""Status notices: one PHI-free email per change of stage, through the outbox, recorded in the history."""

import re
from datetime import date
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import resolve
from django.utils import translation

from referrals.models import Note, Notification, StatusChange, Submission
from referrals.services import workflow

from .factories import change_form_data, make_submission, post_change

pytestmark = pytest.mark.django_db

# Everything about the patient a notice must never carry (make_submission's values plus these).
PHI = {
    "patient_name": "Qzxnotice Patientname",
    "patient_dob": date(2014, 9, 23),
    "diagnosis_other": "Dxnotice Wobble",
    "urgent_reason": "Urgnotice blasts rising",
    "message": "Msgnotice private words",
    "insurance_payer": "Insnotice Care",
    "insurance_member_id": "MEMNOTICE42",
    "medical_record_number": "MRNNOTICE7",
    "current_treatment": "Txnotice blinatumomab",
}
PHI_TEXT = [str(v) for v in PHI.values()] + ["2014-09-23", "09/23/2014", "September 23, 2014", "Note text secret"]


def move(submission, to_status, by, **kwargs):
    return workflow.transition(submission=submission, to_status=to_status, by=by, **kwargs)


def assert_phi_free(message):
    text = f"{message.subject}\n{message.body}"
    for value in PHI_TEXT:
        assert value not in text


def test_one_notice_per_status_change_to_the_referring_clinician(
    coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    submission = make_submission(urgency="urgent", diagnosis="other", **PHI)
    Note.objects.create(submission=submission, body="Note text secret", author=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        move(submission, "in_review", coordinator, note="Note text secret")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["ana.ruiz@hospital.example.org"]  # the referring clinician; the family's address is not
    assert submission.reference in message.subject
    assert "A coordinator is reviewing it" in message.subject + message.body
    assert_phi_free(message)

    with django_capture_on_commit_callbacks(execute=True):
        move(submission, "declined", coordinator, decline_reason="not_eligible", note="Note text secret")
    assert len(mailoutbox) == 2
    declined = mailoutbox[1]
    assert "Decision made" in declined.body
    assert "eligible" not in declined.body.lower()  # never the decline reason
    assert_phi_free(declined)


def test_the_notice_link_opens_the_status_page_in_the_submissions_language(
    coordinator, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://cip.example.org"
    english = make_submission(kind="second_opinion", submitter_role="parent")
    spanish = make_submission(kind="second_opinion", submitter_role="parent", language="es")
    with django_capture_on_commit_callbacks(execute=True):
        move(english, "in_review", coordinator)
        move(spanish, "in_review", coordinator)
    assert [m.to for m in mailoutbox] == [["maria.lopez@example.org"], ["maria.lopez@example.org"]]
    links = [re.search(r"https://\S+", m.body).group(0) for m in mailoutbox]
    paths = [urlsplit(link).path for link in links]
    assert paths == ["/status/", "/es/status/"]
    for link, path, language in zip(links, paths, ("en", "es"), strict=True):
        assert link.startswith("https://cip.example.org/")
        with translation.override(language):
            assert resolve(path).view_name == "referrals:status"
    assert "Un coordinador" in mailoutbox[1].body or "coordinador" in mailoutbox[1].body.lower()


def test_no_notice_when_turned_off_and_the_history_says_who_turned_them_off(
    coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    submission = make_submission(kind="second_opinion", submitter_role="parent")
    workflow.set_status_notices(submission=submission, enabled=False, by=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        move(submission, "in_review", coordinator)
        move(submission, "awaiting_records", coordinator)
    assert mailoutbox == []
    assert not Notification.objects.filter(kind="status_notice").exists()
    entry = StatusChange.objects.get(action="notices")
    assert (entry.from_value, entry.to_value, entry.changed_by) == ("on", "off", coordinator)


def test_no_notice_without_an_address(coordinator, mailoutbox, django_capture_on_commit_callbacks):
    submission = make_submission(kind="existing_patient", submitter_role="parent", contact_email="")
    with django_capture_on_commit_callbacks(execute=True):
        move(submission, "answered", coordinator)
    assert mailoutbox == []


def test_each_notice_sent_is_in_the_history_naming_the_stage_and_audience_not_the_address(
    coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    submission = make_submission()
    with django_capture_on_commit_callbacks(execute=True):
        move(submission, "awaiting_records", coordinator)
    assert not StatusChange.objects.filter(action="notice").exists()  # nothing is sent in the request
    call_command("send_pending_notifications")  # the outbox worker's pass
    entry = StatusChange.objects.get(submission=submission, action="notice")
    assert entry.to_value == "awaiting_records"
    assert entry.to_label == "Waiting for records"
    assert entry.note == "Emailed to the referring clinician"
    assert "@" not in f"{entry.from_value}{entry.to_value}{entry.note}"
    assert entry.changed_by is None  # the system sent it


def test_a_failed_notice_stays_in_the_outbox_and_is_sent_and_recorded_once_later(
    coordinator, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.referrals.factories.BrokenBackend"
    submission = make_submission()
    with django_capture_on_commit_callbacks(execute=True):
        move(submission, "in_review", coordinator)
    call_command("send_pending_notifications")
    row = Notification.objects.get(kind="status_notice")
    assert (row.state, row.last_error) == ("pending", "ConnectionRefusedError")
    assert not StatusChange.objects.filter(action="notice").exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    call_command("send_pending_notifications")
    assert mail.outbox == []  # the failed row waits out its back-off
    with time_machine.travel(row.next_attempt_at, tick=False):
        call_command("send_pending_notifications")
        call_command("send_pending_notifications")
    assert len(mail.outbox) == 1
    assert StatusChange.objects.filter(action="notice").count() == 1


def test_a_late_notice_names_the_stage_of_its_change_not_todays(coordinator, settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.referrals.factories.BrokenBackend"
    submission = make_submission()
    move(submission, "in_review", coordinator)  # the on_commit send never runs inside the test's transaction
    move(submission, "awaiting_records", coordinator)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_pending_notifications")
    bodies = [m.body for m in mail.outbox]
    assert len(bodies) == 2
    assert "A coordinator is reviewing it" in bodies[0]
    assert "Waiting for records" in bodies[1]


def test_one_row_per_change_and_address_is_enforced_by_the_database(coordinator):
    submission = make_submission()
    move(submission, "in_review", coordinator)
    row = Notification.objects.get(kind="status_notice")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            submission=submission,
            kind="status_notice",
            status_change=row.status_change,
            to_email=row.to_email,
        )


def test_change_page_turns_notices_off_before_the_status_change_it_saves_with(
    coordinator_client, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    submission = make_submission(kind="second_opinion", submitter_role="parent")
    data = change_form_data(coordinator_client, submission)
    assert data["send_notices"] is True
    data.pop("send_notices")  # unticked
    with django_capture_on_commit_callbacks(execute=True):
        response = post_change(coordinator_client, submission, data, new_status="in_review")
    assert response.status_code == 302
    submission.refresh_from_db()
    assert (submission.status, submission.status_notices) == ("in_review", False)
    assert mailoutbox == []


def test_change_page_status_change_sends_one_notice(
    coordinator_client, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    submission = make_submission(kind="second_opinion", submitter_role="parent")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_change(coordinator_client, submission, new_status="in_review")
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    # Saving the page again without a change sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        post_change(coordinator_client, submission, new_note="Called the office")
    assert len(mailoutbox) == 1
    assert not StatusChange.objects.filter(action="notices").exists()


# --- Existing-patient messages have their own outcome ---


def test_a_message_is_answered_not_withdrawn(coordinator, mailoutbox, django_capture_on_commit_callbacks):
    message = make_submission(kind="existing_patient", submitter_role="parent")
    assert "answered" in message.allowed_transitions()
    assert not {"accepted", "declined", "awaiting_records"} & message.allowed_transitions()
    with django_capture_on_commit_callbacks(execute=True):
        move(message, "answered", coordinator)
    message.refresh_from_db()
    assert (message.status, message.stage, message.is_open) == ("answered", "answered", False)
    assert message.decided_at is not None
    assert "Answered" in mailoutbox[0].body


def test_only_a_message_can_be_answered(coordinator):
    referral = make_submission()
    assert "answered" not in referral.allowed_transitions()
    with pytest.raises(workflow.WorkflowError):
        move(referral, "answered", coordinator)


def test_the_change_page_offers_answered_for_a_message_only(coordinator_client):
    message = make_submission(kind="existing_patient", submitter_role="parent")
    referral = make_submission()
    for submission, offered in ((message, True), (referral, False)):
        form = coordinator_client.get(f"/admin/referrals/submission/{submission.pk}/change/").context["adminform"].form
        assert ("answered" in dict(form.fields["new_status"].choices)) is offered


def test_stage_of_every_status():
    assert {status: Submission.stage_of(status) for status in Submission.Status.values} == {
        "new": "received",
        "in_review": "reviewing",
        "awaiting_records": "awaiting_records",
        "accepted": "decided",
        "declined": "decided",
        "closed": "closed",
        "answered": "answered",
    }
