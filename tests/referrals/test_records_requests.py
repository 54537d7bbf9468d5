"""Records requests: a secure upload link for one submission, under the intake's file rules."""

import re
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from referrals.models import (
    AccessLog,
    Attachment,
    Notification,
    RecordItem,
    RecordsRequest,
    StatusChange,
    Submission,
    token_hash,
)
from referrals.services import records, workflow

from .factories import (
    ELF,
    HTML,
    PDF,
    PNG,
    change_form_data,
    make_coordinator,
    make_submission,
    post_change,
    stored_files,
    upload,
    verified_client,
)

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
PHI = ["Qzxrec Patientname", "2013-05-06", "05/06/2013", "Urgrec reason", "Insrec Care"]


def new_referral(**fields):
    return make_submission(
        patient_name="Qzxrec Patientname",
        patient_dob=date(2013, 5, 6),
        urgent_reason="Urgrec reason",
        insurance_payer="Insrec Care",
        **fields,
    )


def ask(submission, by, items=("pathology", "flow_mrd"), audience="clinician", phrasing="to_review"):
    """Request records and return (request, link path) from the email the outbox sent."""
    request = records.request_records(
        submission=submission, items=list(items), audience=audience, by=by, phrasing=phrasing
    )
    return request


def link_from(message):
    url = re.search(r"https?://\S+/records/\S+/", message.body).group(0)
    return urlsplit(url).path


def requested(submission, coordinator, mailoutbox, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(submission, coordinator, **kwargs)
    message = next(m for m in mailoutbox if "/records/" in m.body)
    return request, link_from(message), message


def post_upload(client, path, **files):
    return client.post(path, {f"item_{item}": f for item, f in files.items()})


# --- Asking -------------------------------------------------------------------


def test_a_request_emails_one_phi_free_link_and_waits_for_records(
    coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    submission = new_referral()
    request, path, message = requested(submission, coordinator, mailoutbox, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 1  # the request itself, not also a status notice
    assert message.to == ["ana.ruiz@hospital.example.org"]
    assert submission.reference in message.subject
    assert "Pathology report" in message.body and "Flow cytometry / MRD report" in message.body
    assert "We need these records to review the referral." in message.body
    for value in PHI:
        assert value not in message.subject + message.body
    assert resolve(path).view_name == "referrals:records_upload"
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 40
    # Only the hash is kept; the outbox forgets the token once the email is sent.
    assert request.token_hash == token_hash(token)
    assert token not in str(list(RecordsRequest.objects.values()))
    assert Notification.objects.get(kind="records_request").link_token == ""
    submission.refresh_from_db()
    assert submission.status == "awaiting_records"
    assert submission.records_requested_at is not None
    assert StatusChange.objects.filter(submission=submission, action="records_requested").count() == 1
    assert request.expires_at - request.created_at == timedelta(days=14)


def test_a_request_needs_items_a_listed_message_and_an_address(coordinator):
    submission = new_referral()
    for kwargs in (
        {"items": []},
        {"items": ["bogus"]},
        {"phrasing": "Please send it all by Friday, love Dr X"},
        {"audience": "submitter"},  # a referral's only recipient is the referring office
    ):
        with pytest.raises(workflow.WorkflowError):
            ask(submission, coordinator, **{"items": ["pathology"], **kwargs})
    with pytest.raises(workflow.WorkflowError):
        ask(make_submission(kind="existing_patient", submitter_role="parent"), coordinator, audience="submitter")
    assert not RecordsRequest.objects.exists()


def test_a_second_opinion_can_ask_the_family_or_their_doctors_office(coordinator):
    submission = make_submission(kind="second_opinion", submitter_role="parent", oncologist_email="onc@clinic.example")
    assert submission.records_recipients() == {
        "submitter": "maria.lopez@example.org",
        "clinician": "onc@clinic.example",
    }


# --- Uploading through the link ---------------------------------------------


def test_upload_lands_on_its_submission_ticks_the_checklist_and_tells_the_coordinator(
    client, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    coordinator.email = "coord@cip.example.org"
    coordinator.save()
    submission = new_referral(assigned_to=coordinator)
    other = new_referral()
    _request, path, _message = requested(submission, coordinator, mailoutbox, django_capture_on_commit_callbacks)
    page = client.get(path).content.decode()
    assert submission.reference in page and "Pathology report" in page
    for value in PHI + ["Dr. Ana Ruiz", "Maria Lopez"]:
        assert value not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = post_upload(client, path, pathology=upload("path.pdf"))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.submission, attachment.record_item, attachment.source) == (
        submission,
        "pathology",
        "records_link",
    )
    assert not other.attachments.exists()
    states = submission.record_states()
    assert (states["pathology"], states["flow_mrd"]) == ("received", "missing")
    assert StatusChange.objects.filter(submission=submission, action="records_uploaded").count() == 1
    notice = next(m for m in mailoutbox if m.to == ["coord@cip.example.org"])
    assert submission.reference in notice.subject
    for value in PHI + ["path.pdf"]:
        assert value not in notice.subject + notice.body
    received = client.get(response["Location"]).content.decode()
    assert "Pathology report: <strong>received</strong>" in received


def test_an_unassigned_submissions_upload_goes_to_the_intake_inbox(
    client, coordinator, mailoutbox, django_capture_on_commit_callbacks, settings
):
    submission = new_referral()
    _request, path, _message = requested(submission, coordinator, mailoutbox, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        post_upload(client, path, pathology=upload())
    assert any(m.to == [settings.INTAKE_EMAIL] and "Records arrived" in m.subject for m in mailoutbox)


def test_receiving_everything_closes_the_link_and_stops_the_follow_up_clock(
    client, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    submission = new_referral()
    request, path, _message = requested(submission, coordinator, mailoutbox, django_capture_on_commit_callbacks)
    post_upload(client, path, pathology=upload("a.pdf"), flow_mrd=upload("b.png", PNG, "image/png"))
    request.refresh_from_db()
    submission.refresh_from_db()
    assert request.state() == "used" and request.files_received == 2
    assert submission.records_requested_at is None
    response = client.get(path)
    assert response.status_code == 410
    assert "already arrived" in response.content.decode()
    assert "215-555-0100" in response.content.decode()


@pytest.mark.parametrize("how", ["expired", "revoked"])
def test_an_expired_or_revoked_link_refuses_with_the_phone_number(
    client, coordinator, mailoutbox, django_capture_on_commit_callbacks, settings, how
):
    submission = new_referral()
    request, path, _message = requested(submission, coordinator, mailoutbox, django_capture_on_commit_callbacks)
    if how == "revoked":
        records.revoke_link(records_request=request, by=coordinator)
        assert StatusChange.objects.filter(action="link_revoked", changed_by=coordinator).count() == 1
        travel = time_machine.travel(timezone.now(), tick=False)
    else:
        travel = time_machine.travel(request.expires_at + timedelta(seconds=1), tick=False)
    with travel:
        for response in (client.get(path), post_upload(client, path, pathology=upload())):
            assert response.status_code == 410
            html = response.content.decode()
            assert "This link no longer works" in html
            assert "215-555-0100" in html
            assert submission.reference not in html
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_a_link_still_works_the_moment_before_it_expires(
    client, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    submission = new_referral()
    request, path, _message = requested(submission, coordinator, mailoutbox, django_capture_on_commit_callbacks)
    with time_machine.travel(request.expires_at - timedelta(seconds=5), tick=False):
        assert post_upload(client, path, pathology=upload()).status_code == 302


def test_unknown_and_other_submissions_tokens_get_nothing(
    client, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    first = new_referral()
    second = new_referral()
    _r1, path_first, _m1 = requested(first, coordinator, mailoutbox, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    _r2, path_second, _m2 = requested(second, coordinator, mailoutbox, django_capture_on_commit_callbacks)
    assert path_first != path_second
    assert second.reference not in client.get(path_first).content.decode()
    post_upload(client, path_first, pathology=upload())
    assert first.attachments.count() == 1 and second.attachments.count() == 0
    for bogus in ("x" * 43, "", "a" * 200):
        response = client.get(f"/records/{bogus}/") if bogus else client.get("/records/%20/")
        assert response.status_code == 404


def test_files_for_items_not_requested_are_ignored(client, coordinator, mailoutbox, django_capture_on_commit_callbacks):
    submission = new_referral()
    _request, path, _message = requested(
        submission, coordinator, mailoutbox, django_capture_on_commit_callbacks, items=("pathology",)
    )
    response = post_upload(client, path, insurance_card=upload())
    assert response.status_code == 200
    assert "Please choose at least one file" in response.content.decode()
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("files", "fragment"),
    [
        ({"pathology": upload("virus.pdf", ELF)}, "is not a PDF, PNG or JPEG"),
        ({"pathology": upload("page.jpg", HTML, "image/jpeg")}, "is not a PDF, PNG or JPEG"),
        ({"pathology": upload("empty.pdf", b"")}, "is empty"),
        ({"pathology": upload("notes.txt", PDF, "text/plain")}, "only PDF, PNG and JPEG"),
        ({}, "Please choose at least one file"),
    ],
)
def test_every_upload_rule_applies(
    client, coordinator, mailoutbox, django_capture_on_commit_callbacks, settings, files, fragment
):
    submission = new_referral()
    _request, path, _message = requested(submission, coordinator, mailoutbox, django_capture_on_commit_callbacks)
    response = post_upload(client, path, **files)
    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []
    assert submission.record_states()["pathology"] == "missing"


def test_size_and_count_limits_apply(client, coordinator, mailoutbox, django_capture_on_commit_callbacks, settings):
    settings.UPLOAD_MAX_BYTES = len(PDF) + 100  # a real PDF fits; PDF + 200 bytes does not
    settings.UPLOAD_MAX_FILES = 2
    submission = new_referral()
    _request, path, _message = requested(submission, coordinator, mailoutbox, django_capture_on_commit_callbacks)
    big = post_upload(client, path, pathology=upload("big.pdf", PDF + b"x" * 200))
    assert "is too big" in big.content.decode()
    many = client.post(path, {"item_pathology": [upload("a.pdf"), upload("b.pdf")], "item_flow_mrd": [upload("c.pdf")]})
    assert "at most 2 files" in many.content.decode()
    assert not Attachment.objects.exists()


def test_a_cleaned_file_name_is_refused(client, coordinator, mailoutbox, django_capture_on_commit_callbacks):
    submission = new_referral()
    _request, path, _message = requested(submission, coordinator, mailoutbox, django_capture_on_commit_callbacks)
    boundary = "BoUnDaRy"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="item_pathology"; filename="../../etc/report.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.generic("POST", path, body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 200
    assert "must not contain folder names" in response.content.decode()
    assert not Attachment.objects.exists()


def test_the_upload_page_needs_the_csrf_token(coordinator, mailoutbox, django_capture_on_commit_callbacks):
    submission = new_referral()
    _request, path, _message = requested(submission, coordinator, mailoutbox, django_capture_on_commit_callbacks)
    response = Client(enforce_csrf_checks=True).post(path, {"item_pathology": upload()})
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_the_link_page_works_in_spanish(client, coordinator, mailoutbox, django_capture_on_commit_callbacks):
    submission = new_referral(language="es")
    _request, path, message = requested(submission, coordinator, mailoutbox, django_capture_on_commit_callbacks)
    assert path.startswith("/es/records/")
    html = client.get(path).content.decode()
    assert '<html lang="es">' in html


# --- Coordinators on the change page ------------------------------------------


def test_the_change_page_requests_records_and_revokes_links(
    coordinator_client, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    submission = new_referral()
    data = change_form_data(coordinator_client, submission)
    response = post_change(coordinator_client, submission, data, request_items=["pathology"])
    assert response.status_code == 200  # nobody chosen to send it to
    assert "Choose who gets the upload link." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_change(
            coordinator_client, submission, data, request_items=["pathology", "insurance_card"], request_to="clinician"
        )
    assert response.status_code == 302
    request = RecordsRequest.objects.get()
    assert (request.items, request.created_by) == (["pathology", "insurance_card"], coordinator)
    assert len(mailoutbox) == 1
    html = coordinator_client.get(f"/admin/referrals/submission/{submission.pk}/change/").content.decode()
    assert "records links" in html.lower() and "Works" in html
    response = post_change(coordinator_client, submission, revoke_links=[request.pk])
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state() == "revoked"


def test_coordinators_attach_faxed_records_with_history_and_access_log(coordinator_client, coordinator, settings):
    submission = new_referral()
    response = post_change(
        coordinator_client, submission, attach_files=[upload("fax.pdf")], attach_as="treatment_summary"
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.source, attachment.record_item, attachment.added_by) == (
        "coordinator",
        "treatment_summary",
        coordinator,
    )
    assert submission.record_states()["treatment_summary"] == "received"
    assert StatusChange.objects.filter(action="documents_added", changed_by=coordinator).count() == 1
    assert AccessLog.objects.filter(action="attach", submission=submission, user=coordinator).count() == 1
    assert len(stored_files(settings)) == 1


def test_a_bad_faxed_file_is_refused_and_nothing_is_saved(coordinator_client, settings):
    submission = new_referral()
    response = post_change(coordinator_client, submission, attach_files=[upload("fax.pdf", ELF)])
    assert response.status_code == 200
    assert "is not a PDF, PNG or JPEG" in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_view_only_staff_see_no_records_controls(coordinator):
    viewer = make_coordinator("viewer")
    viewer.groups.clear()
    viewer.user_permissions.add(Permission.objects.get(codename="view_submission"))
    submission = new_referral()
    html = verified_client(viewer).get(f"/admin/referrals/submission/{submission.pk}/change/").content.decode()
    assert 'name="request_items"' not in html and 'name="attach_files"' not in html


# --- The follow-up clock --------------------------------------------------------


def test_the_follow_up_clock_runs_three_business_days_and_shows_in_the_queue(coordinator):
    submission = new_referral(first_contacted_at=datetime(2026, 11, 20, 9, tzinfo=NY))
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=NY), tick=False):  # a Friday
        ask(submission, coordinator)
    submission.refresh_from_db()
    assert submission.records_follow_up_due() == date(2026, 11, 25)  # Wednesday
    assert submission.next_clock(date(2026, 11, 25))[:2] == ("records_follow_up", "due_today")
    assert submission.next_clock(date(2026, 11, 26))[:2] == ("records_follow_up", "overdue")
    changelist = reverse("admin:referrals_submission_changelist")
    with time_machine.travel(datetime(2026, 11, 25, 10, tzinfo=NY), tick=False):
        coordinator_client = verified_client(coordinator)
        html = coordinator_client.get(changelist).content.decode()
        row = html.split(submission.reference, 1)[1].split("</tr>", 1)[0]
        assert "Due today" in row and "records follow-up" in row
        assert submission.reference in coordinator_client.get(changelist + "?follow_up=due").content.decode()
        assert submission.reference not in coordinator_client.get(changelist + "?follow_up=overdue").content.decode()
    with time_machine.travel(datetime(2026, 11, 26, 10, tzinfo=NY), tick=False):
        coordinator_client = verified_client(coordinator)
        assert submission.reference in coordinator_client.get(changelist + "?follow_up=overdue").content.decode()
        assert submission.reference in coordinator_client.get(changelist + "?overdue=yes").content.decode()
    assert Submission.objects.filter(Submission.objects.records_follow_up_due_q(date(2026, 11, 24))).count() == 0


def test_the_follow_up_clock_stops_when_the_submission_moves_on(coordinator):
    submission = new_referral(first_contacted_at=timezone.now())
    ask(submission, coordinator)
    workflow.transition(submission=submission, to_status="in_review", by=coordinator)
    submission.refresh_from_db()
    assert submission.records_follow_up_due() is None
    assert RecordItem.objects.filter(submission=submission, item="pathology").get().state == "missing"
