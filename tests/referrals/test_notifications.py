"""The outbox: emails after commit, no PHI anywhere, failures kept and sent exactly once later."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from referrals import notifications
from referrals.forms import ExistingPatientForm
from referrals.models import Notification, Submission
from referrals.services import intake

from .factories import (
    MARKERS,
    existing_patient_data,
    referral_data,
    second_opinion_data,
    spanish_url,
    upload,
    valid_form,
)

PHI_VALUES = [*MARKERS.values(), "03/17/2015", "17/03/2015", "March 17, 2015", "Txmarker", "Urgmarker", "Hosmarker"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "data_fn"),
    [("refer", referral_data), ("second_opinion", second_opinion_data), ("existing_patient", existing_patient_data)],
)
def test_no_phi_in_emails_or_logs(client, caplog, mailoutbox, django_capture_on_commit_callbacks, url_name, data_fn):
    data = data_fn()
    data["documents"] = [upload("Zyxmarker_scan.pdf")]
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(f"referrals:{url_name}"), data)
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert len(mailoutbox) == 2
    for message in mailoutbox:
        text = message.subject + "\n" + message.body
        assert submission.reference in text
        for value in PHI_VALUES:
            assert value not in text, value
        assert "Zyxmarker" not in text
    assert submission.reference in caplog.text
    for value in PHI_VALUES:
        assert value not in caplog.text, value
    assert "Zyxmarker" not in caplog.text


@pytest.mark.django_db
def test_intake_notice_has_reference_kind_urgency_and_admin_link(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("referrals:refer"), referral_data())
    submission = Submission.objects.get()
    notice = next(m for m in mailoutbox if m.to == ["intake@example.org"])
    assert notice.subject.startswith("[URGENT]")
    assert submission.reference in notice.subject
    assert "Physician referral" in notice.body
    assert "Urgent" in notice.body
    assert f"https://cip.example.org/admin/referrals/submission/{submission.pk}/change/" in notice.body
    assert "First contact due by: " + date_format(submission.first_contact_due(), "l j F Y") in notice.body
    confirmation = next(m for m in mailoutbox if m.to == ["doctor@example.org"])
    assert submission.reference in confirmation.subject
    assert "the same business day" in confirmation.body  # the referral is urgent: its own promise
    assert "Pathology report" in confirmation.body


@pytest.mark.django_db
def test_confirmation_email_in_the_submissions_language(client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(spanish_url("referrals:second_opinion"), second_opinion_data())
    confirmation = next(m for m in mailoutbox if m.to == ["family@example.org"])
    notice = next(m for m in mailoutbox if m.to == ["intake@example.org"])
    assert "Recibimos" in confirmation.subject
    assert "día hábil" in confirmation.body
    assert "New" in notice.subject  # the intake inbox reads English


@pytest.mark.django_db
def test_a_request_sends_nothing_its_emails_wait_for_the_outbox_worker(
    client, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.referrals.factories.BrokenBackend"  # would raise if the request tried
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("referrals:refer"), referral_data())
    assert response.status_code == 302
    assert callbacks == []  # nothing scheduled after commit either
    assert mail.outbox.undelivered() == []
    assert set(Notification.objects.values_list("state", "attempts")) == {("pending", 0)}

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_pending_notifications")
    assert len(mail.outbox.undelivered()) == 2


@pytest.mark.django_db
def test_failing_backend_keeps_submission_and_pending_then_command_sends_once(
    client, settings, mailoutbox, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.referrals.factories.BrokenBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("referrals:refer"), referral_data())
    assert response.status_code == 302
    submission = Submission.objects.get()
    call_command("send_pending_notifications")
    first, second = Notification.objects.filter(submission=submission).order_by("pk")
    assert (first.state, first.attempts) == ("pending", 1)
    assert first.last_error == "ConnectionRefusedError"  # the class only: no address, no PHI
    assert first.next_attempt_at > timezone.now()  # it waits before the next try
    # The server is down, so the pass stopped: the second row was not made to wait out the same failure.
    assert (second.state, second.attempts, second.next_attempt_at) == ("pending", 0, None)
    assert "doctor@example.org" not in caplog.text

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    call_command("send_pending_notifications")
    assert [m.to for m in mail.outbox] == [second.to_email and [second.to_email]]
    with time_machine.travel(first.next_attempt_at, tick=False):
        call_command("send_pending_notifications")
        call_command("send_pending_notifications")
    assert len(mail.outbox) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["doctor@example.org", "intake@example.org"]
    assert set(Notification.objects.values_list("state", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_a_claimed_row_is_not_sent_by_a_second_sender(mailoutbox):
    submission = intake.submit(form=valid_form(ExistingPatientForm, existing_patient_data()))
    row = submission.notifications.first()
    assert notifications._claim(row.pk) is True
    assert notifications._claim(row.pk) is False  # someone else already holds it
    assert notifications.send_pending() == 1  # only the other row
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_stale_claims_are_retried(mailoutbox):
    submission = intake.submit(form=valid_form(ExistingPatientForm, existing_patient_data(contact_email="")))
    row = submission.notifications.get()
    Notification.objects.filter(pk=row.pk).update(state="sending", claimed_at=timezone.now() - timedelta(hours=1))
    assert notifications.send_pending() == 1
    assert Notification.objects.get(pk=row.pk).state == "sent"


@pytest.mark.django_db
def test_command_reports_count(capsys):
    call_command("send_pending_notifications")
    assert "Sent 0 email(s)." in capsys.readouterr().out
