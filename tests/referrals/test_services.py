"""The intake services: one transaction, files cleaned up, references, idempotency."""

import os
import re
from unittest import mock

import pytest
from django.db import IntegrityError

from referrals import services
from referrals.forms import ExistingPatientForm, ReferralForm, SecondOpinionForm
from referrals.models import Attachment, Notification, RecordItem, Submission, private_storage

from .conftest import existing_patient_data, referral_data, second_opinion_data, stored_files, upload


def cleaned(form_class, data, files=None):
    form = form_class(data, {"documents": files} if files else None)
    assert form.is_valid(), form.errors
    return form.cleaned_data


@pytest.mark.django_db
def test_submit_writes_submission_checklist_attachments_and_outbox(settings):
    files = [upload("a.pdf"), upload("b.pdf")]
    data = cleaned(ReferralForm, referral_data(), files)
    submission = services.submit_referral(data=data, files=data["documents"], language="es")
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
def test_family_confirmation_goes_to_contact_email_and_is_skipped_without_one():
    data = cleaned(SecondOpinionForm, second_opinion_data())
    submission = services.submit_second_opinion(data=data, files=[])
    assert submission.notifications.get(kind="submitter_confirmation").to_email == "family@example.org"
    data = cleaned(ExistingPatientForm, existing_patient_data(contact_email=""))
    submission = services.submit_existing_patient(data=data, files=[])
    assert list(submission.notifications.values_list("kind", flat=True)) == ["intake_notice"]


@pytest.mark.django_db
def test_unknown_language_falls_back_to_english():
    data = cleaned(ExistingPatientForm, existing_patient_data())
    assert services.submit_existing_patient(data=data, language="fr").language == "en"


@pytest.mark.django_db(transaction=True)
def test_failure_saving_the_third_attachment_leaves_no_row_and_no_file(settings):
    files = [upload(f"page{i}.pdf") for i in range(4)]
    data = cleaned(SecondOpinionForm, second_opinion_data(), files)
    original_save = private_storage.save
    calls = {"n": 0}

    def failing_save(name, content, max_length=None):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return original_save(name, content, max_length=max_length)

    with mock.patch.object(private_storage, "save", side_effect=failing_save), pytest.raises(OSError):
        services.submit_second_opinion(data=data, files=data["documents"])
    assert calls["n"] == 3
    assert not Submission.objects.exists()
    assert not Attachment.objects.exists()
    assert not Notification.objects.exists()
    assert not RecordItem.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.django_db
def test_a_file_written_halfway_when_the_disk_fills_is_removed(settings):
    """The third write fails after some bytes reached the disk: that partial file goes too."""
    files = [upload(f"page{i}.pdf") for i in range(4)]
    data = cleaned(SecondOpinionForm, second_opinion_data(), files)
    original_save = private_storage._save
    calls = {"n": 0}

    def partial_save(name, content):
        calls["n"] += 1
        if calls["n"] == 3:
            path = private_storage.path(name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(b"%PDF-1.4 partial")
            raise OSError(28, "No space left on device")
        return original_save(name, content)

    with mock.patch.object(private_storage, "_save", side_effect=partial_save), pytest.raises(OSError):
        services.submit_second_opinion(data=data, files=data["documents"])
    assert calls["n"] == 3
    assert not Submission.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.django_db(transaction=True)
def test_failure_after_files_are_written_removes_them(settings):
    data = cleaned(SecondOpinionForm, second_opinion_data(), [upload("a.pdf"), upload("b.pdf")])
    with (
        mock.patch.object(services, "_create_notifications", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        services.submit_second_opinion(data=data, files=data["documents"])
    assert not Submission.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.django_db
def test_same_form_token_returns_the_same_submission():
    data = cleaned(ReferralForm, referral_data())
    first = services.submit_referral(data=data, files=[])
    second = services.submit_referral(data=data, files=[])
    assert first.pk == second.pk
    assert Submission.objects.count() == 1


@pytest.mark.django_db
def test_reference_collision_is_retried():
    data = cleaned(ExistingPatientForm, existing_patient_data())
    taken = services.submit_existing_patient(data=data, files=[]).reference
    data2 = cleaned(ExistingPatientForm, existing_patient_data())
    with mock.patch.object(services, "new_reference", side_effect=[taken, taken, "CIP-2345-6789"]):
        submission = services.submit_existing_patient(data=data2, files=[])
    assert submission.reference == "CIP-2345-6789"
    assert Submission.objects.count() == 2


@pytest.mark.django_db
def test_gives_up_after_too_many_reference_collisions():
    data = cleaned(ExistingPatientForm, existing_patient_data())
    taken = services.submit_existing_patient(data=data, files=[]).reference
    data2 = cleaned(ExistingPatientForm, existing_patient_data())
    with mock.patch.object(services, "new_reference", return_value=taken), pytest.raises(IntegrityError):
        services.submit_existing_patient(data=data2, files=[])
    assert Submission.objects.count() == 1


def test_references_use_secrets_and_an_unambiguous_alphabet():
    refs = {services.new_reference() for _ in range(500)}
    assert len(refs) == 500
    alphabet = set(services.REFERENCE_ALPHABET)
    assert not alphabet & set("01ILO")
    for ref in refs:
        assert set(ref[4:8] + ref[9:]) <= alphabet
    with mock.patch("referrals.services.secrets.choice", return_value="Z") as choice:
        assert services.new_reference() == "CIP-ZZZZ-ZZZZ"
    assert choice.call_count == 8


@pytest.mark.django_db
def test_submission_str_is_the_reference_not_the_patient():
    data = cleaned(ReferralForm, referral_data())
    submission = services.submit_referral(data=data, files=[])
    assert str(submission) == submission.reference
