"""The intake service: one transaction, files cleaned up, references, idempotency."""

import os
import re
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from core.outages import ServiceUnavailable
from referrals.forms import ExistingPatientForm, ReferralForm, SecondOpinionForm
from referrals.models import Attachment, Notification, RecordItem, Submission, private_storage
from referrals.services import intake

from .factories import existing_patient_data, referral_data, second_opinion_data, stored_files, upload, valid_form


@pytest.mark.django_db
def test_submit_writes_submission_checklist_attachments_and_outbox(settings):
    form = valid_form(ReferralForm, referral_data(), [upload("a.pdf"), upload("b.pdf")])
    submission = intake.submit(form=form, files=form.cleaned_data["documents"], language="es")
    assert submission.language == "es"
    assert re.fullmatch(r"CIP-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", submission.reference)
    assert len(submission.confirmation_token) >= 40
    assert sorted(submission.record_items.values_list("item", flat=True)) == sorted(RecordItem.Item.values)
    assert set(submission.record_items.values_list("state", flat=True)) == {"missing"}
    assert submission.attachments.count() == 2
    notifications = {n.kind: n for n in submission.notifications.all()}
    assert notifications["intake_notice"].to_email == "intake@example.org"
    assert notifications["intake_notice"].language == "en"
    assert notifications["submitter_confirmation"].to_email == "doctor@example.org"
    assert notifications["submitter_confirmation"].language == "es"
    assert {n.state for n in notifications.values()} == {"pending"}  # sent only after commit


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("form_class", "data_fn", "kind", "role", "urgency"),
    [
        (ReferralForm, referral_data, "referral", "clinician", "urgent"),
        (SecondOpinionForm, second_opinion_data, "second_opinion", "parent", "routine"),
        (ExistingPatientForm, existing_patient_data, "existing_patient", "parent", "routine"),
    ],
)
def test_the_form_decides_the_kind_and_families_are_always_routine(form_class, data_fn, kind, role, urgency):
    submission = intake.submit(form=valid_form(form_class, data_fn(urgency="urgent", submitter_role=role)))
    assert (submission.kind, submission.submitter_role, submission.urgency) == (kind, role, urgency)


@pytest.mark.django_db
def test_family_confirmation_goes_to_contact_email_and_is_skipped_without_one():
    submission = intake.submit(form=valid_form(SecondOpinionForm, second_opinion_data()), files=[])
    assert submission.notifications.get(kind="submitter_confirmation").to_email == "family@example.org"
    submission = intake.submit(form=valid_form(ExistingPatientForm, existing_patient_data(contact_email="")), files=[])
    assert list(submission.notifications.values_list("kind", flat=True)) == ["intake_notice"]


@pytest.mark.django_db
def test_unknown_language_falls_back_to_english():
    form = valid_form(ExistingPatientForm, existing_patient_data())
    assert intake.submit(form=form, language="fr").language == "en"


@pytest.mark.django_db(transaction=True)
def test_failure_saving_the_third_attachment_leaves_no_row_and_no_file(settings):
    form = valid_form(SecondOpinionForm, second_opinion_data(), [upload(f"page{i}.pdf") for i in range(4)])
    storage = private_storage()
    original_save = storage.save
    calls = {"n": 0}

    def failing_save(name, content, max_length=None):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return original_save(name, content, max_length=max_length)

    with mock.patch.object(storage, "save", side_effect=failing_save), pytest.raises(ServiceUnavailable):
        intake.submit(form=form, files=form.cleaned_data["documents"])
    assert calls["n"] == 3
    assert not Submission.objects.exists()
    assert not Attachment.objects.exists()
    assert not Notification.objects.exists()
    assert not RecordItem.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.django_db
def test_a_file_written_halfway_when_the_disk_fills_is_removed(settings):
    """The third write fails after some bytes reached the disk: that partial file goes too."""
    form = valid_form(SecondOpinionForm, second_opinion_data(), [upload(f"page{i}.pdf") for i in range(4)])
    storage = private_storage()
    original_save = storage._save
    calls = {"n": 0}

    def partial_save(name, content):
        calls["n"] += 1
        if calls["n"] == 3:
            path = storage.path(name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(b"%PDF-1.4 partial")
            raise OSError(28, "No space left on device")
        return original_save(name, content)

    with mock.patch.object(storage, "_save", side_effect=partial_save), pytest.raises(ServiceUnavailable):
        intake.submit(form=form, files=form.cleaned_data["documents"])
    assert calls["n"] == 3
    assert not Submission.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.django_db(transaction=True)
def test_failure_after_files_are_written_removes_them(settings):
    form = valid_form(SecondOpinionForm, second_opinion_data(), [upload("a.pdf"), upload("b.pdf")])
    with (
        mock.patch.object(intake, "_create_notifications", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        intake.submit(form=form, files=form.cleaned_data["documents"])
    assert not Submission.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.django_db
def test_a_form_sent_while_the_storage_fails_gets_the_503_page_and_saves_nothing(settings, client):
    """A full disk or a failing bucket is an outage: the designed 503 with Retry-After, never the 500 page."""
    from django.test import Client

    storage = private_storage()
    with mock.patch.object(storage, "_save", side_effect=OSError(28, "No space left on device")):
        response = Client(raise_request_exception=False).post(
            reverse("referrals:second_opinion"), {**second_opinion_data(), "documents": [upload("scan.pdf")]}
        )
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.OUTAGE_RETRY_AFTER_SECONDS)
    assert "We are briefly unavailable" in response.content.decode()
    assert not Submission.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.django_db
def test_same_form_token_returns_the_same_submission():
    form = valid_form(ReferralForm, referral_data())
    first = intake.submit(form=form, files=[])
    second = intake.submit(form=form, files=[])
    assert first.pk == second.pk
    assert Submission.objects.count() == 1


@pytest.mark.django_db
def test_a_replay_with_files_returns_the_first_submission_and_leaves_no_second_copy(settings, client):
    data = {**second_opinion_data(), "documents": [upload("scan.pdf")]}
    first = client.post(reverse("referrals:second_opinion"), data)
    second = client.post(reverse("referrals:second_opinion"), {**data, "documents": [upload("scan.pdf")]})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Submission.objects.count() == 1
    assert Attachment.objects.count() == 1
    assert len(stored_files(settings)) == 1


@pytest.mark.django_db
def test_reference_collision_is_retried():
    taken = intake.submit(form=valid_form(ExistingPatientForm, existing_patient_data()), files=[]).reference
    form = valid_form(ExistingPatientForm, existing_patient_data())
    with mock.patch.object(intake, "new_reference", side_effect=[taken, taken, "CIP-2345-6789"]):
        submission = intake.submit(form=form, files=[])
    assert submission.reference == "CIP-2345-6789"
    assert Submission.objects.count() == 2


@pytest.mark.django_db
def test_gives_up_after_too_many_reference_collisions():
    taken = intake.submit(form=valid_form(ExistingPatientForm, existing_patient_data()), files=[]).reference
    form = valid_form(ExistingPatientForm, existing_patient_data())
    with mock.patch.object(intake, "new_reference", return_value=taken), pytest.raises(IntegrityError):
        intake.submit(form=form, files=[])
    assert Submission.objects.count() == 1


def test_references_use_secrets_and_an_unambiguous_alphabet():
    refs = {intake.new_reference() for _ in range(500)}
    assert len(refs) == 500
    alphabet = set(intake.REFERENCE_ALPHABET)
    assert not alphabet & set("01ILO")
    for ref in refs:
        assert set(ref[4:8] + ref[9:]) <= alphabet
    with mock.patch("referrals.services.intake.secrets.choice", return_value="Z") as choice:
        assert intake.new_reference() == "CIP-ZZZZ-ZZZZ"
    assert choice.call_count == 8


@pytest.mark.django_db
def test_submission_str_is_the_reference_not_the_patient():
    submission = intake.submit(form=valid_form(ReferralForm, referral_data()), files=[])
    assert str(submission) == submission.reference


@pytest.mark.django_db
def test_nothing_stored_when_a_file_name_is_unsafe(settings):
    # The service re-checks every file too, for callers other than the form.
    form = valid_form(SecondOpinionForm, second_opinion_data(), [upload("ok.pdf")])
    with pytest.raises(ValidationError):
        intake.submit(form=form, files=[upload("..\\x.pdf")])
    assert not Submission.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [{"status": "nonsense"}, {"kind": "nonsense"}, {"status": "declined", "decline_reason": ""}],
)
def test_the_database_enforces_the_check_constraints_python_leaves_to_it(fields):
    submission = intake.submit(form=valid_form(SecondOpinionForm, second_opinion_data()), files=[])
    for name, value in fields.items():
        setattr(submission, name, value)
    submission.validate_constraints()  # not checked in Python: a form POST spends no time on it
    with pytest.raises(IntegrityError), transaction.atomic():
        submission.save()
