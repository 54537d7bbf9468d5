"""Changelist actions: the same services as the change form, row by row, with a summary of what was refused."""

import json
from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from referrals.models import AccessLog, StatusChange, Submission

from .factories import make_coordinator, make_submission

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:referrals_submission_changelist")


def run_action(client, action, submissions, **extra):
    data = {"action": action, "_selected_action": [s.pk for s in submissions], "index": 0, **extra}
    return client.post(CHANGELIST, data)


def apply_action(client, action, submissions, **fields):
    """The second step of an action with a form page: no index, "apply" pressed."""
    data = {"action": action, "_selected_action": [s.pk for s in submissions], "apply": "Apply", **fields}
    return client.post(CHANGELIST, data)


def message_texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_assign_to_me(coordinator_client, coordinator):
    a, b = make_submission(), make_submission()
    response = run_action(coordinator_client, "assign_to_me", [a, b])
    assert response.status_code == 302
    assert set(Submission.objects.filter(assigned_to=coordinator)) == {a, b}
    assert StatusChange.objects.filter(action="assigned", changed_by=coordinator).count() == 2
    assert message_texts(response) == ["2 changed"]


def test_assign_to_a_coordinator_shows_a_form_then_assigns(coordinator_client, coordinator):
    colleague = make_coordinator("colleague")
    a, b = make_submission(), make_submission()
    response = run_action(coordinator_client, "assign_to_coordinator", [a, b])
    assert response.status_code == 200
    html = response.content.decode()
    assert a.reference in html and b.reference in html
    assert 'name="coordinator"' in html
    assert not StatusChange.objects.exists()
    response = apply_action(coordinator_client, "assign_to_coordinator", [a, b], coordinator=colleague.pk)
    assert response.status_code == 302
    assert set(Submission.objects.filter(assigned_to=colleague)) == {a, b}
    assert set(StatusChange.objects.values_list("to_value", flat=True)) == {"colleague"}


def test_mark_contacted(coordinator_client):
    a = make_submission()
    response = run_action(coordinator_client, "mark_contacted", [a])
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.first_contacted_at is not None
    assert StatusChange.objects.get().action == "contacted"


def test_change_status_with_per_row_refusals_and_summary(coordinator_client, coordinator):
    new_one = make_submission()
    other_new = make_submission()
    declined = make_submission(status="declined", decline_reason="not_eligible")
    response = run_action(coordinator_client, "change_status", [new_one, other_new, declined])
    assert response.status_code == 200  # the intermediate form
    assert 'name="status"' in response.content.decode()
    response = apply_action(
        coordinator_client, "change_status", [new_one, other_new, declined], status="in_review", note="Batch triage"
    )
    assert response.status_code == 302
    assert Submission.objects.get(pk=new_one.pk).status == "in_review"
    assert Submission.objects.get(pk=other_new.pk).status == "in_review"
    assert Submission.objects.get(pk=declined.pk).status == "declined"
    assert message_texts(response) == [
        f"2 changed; {declined.reference} refused: cannot go from declined to in review."
    ]
    history = StatusChange.objects.filter(action="status")
    assert {h.submission_id for h in history} == {new_one.pk, other_new.pk}
    assert all(h.note == "Batch triage" and h.changed_by == coordinator for h in history)


def test_change_status_decline_needs_reason_on_the_form(coordinator_client):
    a = make_submission()
    response = apply_action(coordinator_client, "change_status", [a], status="declined")
    assert response.status_code == 200
    assert "Choose why it is declined." in response.content.decode()
    assert Submission.objects.get(pk=a.pk).status == "new"
    response = apply_action(coordinator_client, "change_status", [a], status="declined", decline_reason="duplicate")
    assert response.status_code == 302
    assert Submission.objects.get(pk=a.pk).decline_reason == "duplicate"


def test_change_status_accept_needs_consult_date(coordinator_client):
    a = make_submission(status="in_review")
    response = apply_action(coordinator_client, "change_status", [a], status="accepted")
    assert response.status_code == 200
    response = apply_action(coordinator_client, "change_status", [a], status="accepted", consult_date="2026-12-09")
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.status, a.consult_date) == ("accepted", date(2026, 12, 9))


def test_no_delete_action_and_no_delete_page(coordinator_client):
    a = make_submission()
    response = coordinator_client.get(CHANGELIST)
    choices = dict(response.context["action_form"].fields["action"].choices)
    assert "delete_selected" not in choices
    assert set(choices) >= {"assign_to_me", "assign_to_coordinator", "mark_contacted", "change_status", "export_csv"}
    assert run_action(coordinator_client, "delete_selected", [a]).status_code in (200, 302)
    assert Submission.objects.filter(pk=a.pk).exists()
    delete_url = reverse("admin:referrals_submission_delete", args=[a.pk])
    assert coordinator_client.get(delete_url).status_code == 403
    assert coordinator_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Submission.objects.filter(pk=a.pk).exists()


def test_the_queue_offers_the_fhir_export_to_exporters_and_records_it(coordinator_client):
    submission = make_submission()
    response = run_action(coordinator_client, "export_fhir", [submission])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert json.loads(response.content)["resourceType"] == "Bundle"
    assert list(AccessLog.objects.values_list("action", "submission")) == [("fhir", submission.pk)]
