"""The access log records changes as well as views: who changed which step of which submission, from where.

Each row names the step and its coded values, never what a coordinator typed
(a note's or a status note's text) and never the patient.
"""

import pytest

from referrals.admin.actions import change_status
from referrals.models import AccessLog, StatusChange
from referrals.services import workflow

from .factories import MARKERS, make_coordinator, make_submission, post_change

pytestmark = pytest.mark.django_db


def change_rows(submission):
    return list(AccessLog.objects.filter(submission=submission, action="change").order_by("pk"))


def test_each_step_of_the_change_page_writes_its_own_row(coordinator_client, coordinator):
    submission = make_submission()
    response = post_change(
        coordinator_client,
        submission,
        assign_me="on",
        contacted_now="on",
        new_status="in_review",
        status_note="Eligible on paper " + MARKERS["message"],
        record_pathology="received",
        new_note="Mum prefers mornings " + MARKERS["patient_name"],
    )
    assert response.status_code == 302
    rows = change_rows(submission)
    details = [row.detail for row in rows]
    assert details[0] == "Assigned: — → coord"
    assert details[1].startswith("Family contacted: — → ")
    assert "Records checklist: Pathology report: Missing → Pathology report: Received" in details
    assert "Status changed: New → In review" in details
    assert details[-1] == "Note added"
    assert len(rows) == 5
    for row in rows:
        assert (row.user, row.username, row.object_repr) == (coordinator, "coord", submission.reference)
        assert row.client_ip == "127.0.0.1"
    text = " ".join(details)
    assert MARKERS["message"] not in text and MARKERS["patient_name"] not in text and "Mum" not in text
    assert "view" in AccessLog.objects.filter(submission=submission).values_list("action", flat=True)


def test_a_refused_step_writes_no_change_row(coordinator_client):
    submission = make_submission()
    response = post_change(coordinator_client, submission, new_status="accepted")  # no consult date
    assert response.status_code in (200, 302)
    assert change_rows(submission) == []
    assert not StatusChange.objects.filter(submission=submission, action="status").exists()


def test_a_step_that_changes_nothing_writes_nothing(coordinator):
    submission = make_submission(assigned_to=coordinator)
    workflow.assign(submission=submission, to=coordinator, by=coordinator)
    assert change_rows(submission) == []


def test_queue_actions_write_one_row_per_submission(rf, coordinator):
    from django.contrib.admin.sites import site
    from django.contrib.messages.storage.fallback import FallbackStorage

    from referrals.models import Submission

    first, second = make_submission(), make_submission()
    request = rf.post("/", {"apply": "1", "status": "in_review", "note": "", "decline_reason": ""})
    request.user = coordinator
    request.session = {}
    request._messages = FallbackStorage(request)
    change_status(site._registry[Submission], request, Submission.objects.filter(pk__in=[first.pk, second.pk]))
    for submission in (first, second):
        (row,) = change_rows(submission)
        assert row.detail == "Status changed: New → In review"
        assert row.user == coordinator


def test_records_requests_and_revoking_are_changes(coordinator):
    from referrals.services import records

    submission = make_submission(kind="referral", referrer_email="office@example.org")
    request = records.request_records(
        submission=submission, items=["pathology"], audience="clinician", by=coordinator, client_ip="10.0.0.5"
    )
    records.revoke_link(records_request=request, by=coordinator, client_ip="10.0.0.5")
    details = [row.detail for row in change_rows(submission)]
    assert "Status changed: New → Awaiting records" in details
    assert "Records requested: — → pathology" in details
    assert details[-1] == "Records link revoked: — → pathology"
    assert {row.client_ip for row in change_rows(submission)} == {"10.0.0.5"}


def test_what_the_system_does_is_history_not_a_persons_change(coordinator, mailoutbox):
    submission = make_submission(contact_email="family@example.org")
    workflow.transition(submission=submission, to_status="in_review", by=coordinator)
    assert len(mailoutbox) >= 1  # the worker sent the status notice and wrote its history line
    assert StatusChange.objects.filter(submission=submission, action="notice").exists()
    assert [row.detail for row in change_rows(submission)] == ["Status changed: New → In review"]


def test_the_access_log_admin_shows_the_detail(client, django_user_model):
    from .factories import verified_client

    submission = make_submission()
    colleague = make_coordinator("colleague")
    workflow.assign(submission=submission, to=colleague, by=colleague)
    boss = django_user_model.objects.create_superuser("boss", "boss@example.org", "a-long-test-password-1")
    response = verified_client(boss).get("/admin/referrals/accesslog/")
    assert response.status_code == 200
    assert "Assigned: — → colleague" in response.content.decode()


def test_the_detail_is_written_in_the_sites_language_whatever_the_coordinator_reads(coordinator):
    from django.utils import translation

    submission = make_submission()
    with translation.override("es"):
        workflow.transition(submission=submission, to_status="in_review", by=coordinator)
        workflow.add_note(submission=submission, body="Nota", by=coordinator)
    assert [row.detail for row in change_rows(submission)] == ["Status changed: New → In review", "Note added"]
