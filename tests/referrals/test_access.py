"""Access to PHI: document downloads, exports and change-page views are logged; outsiders never get a file."""

import csv
import io
from datetime import UTC

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from referrals.models import AccessLog

from .factories import make_attachment, make_submission, verified_client

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:referrals_submission_changelist")


def download_url(attachment):
    return reverse("admin:referrals_attachment_download", args=[attachment.pk])


def test_download_is_an_attachment_with_nosniff_and_logged(coordinator_client, coordinator):
    submission = make_submission()
    attachment = make_attachment(
        submission, content=b"\x89PNG\r\n\x1a\n<html>", name="scan.png", content_type="image/png"
    )
    response = coordinator_client.get(download_url(attachment), REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\x89PNG\r\n\x1a\n<html>"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="scan.png"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"
    log = AccessLog.objects.get(action="download")
    assert (log.user, log.submission, log.client_ip) == (coordinator, submission, "198.51.100.7")
    assert submission.reference in log.object_repr


def test_download_url_is_under_admin_and_uses_the_attachment_pk_only(db):
    attachment = make_attachment(make_submission())
    assert download_url(attachment) == f"/admin/documents/{attachment.pk}/download/"


def test_anonymous_download_gets_no_file(db):
    attachment = make_attachment(make_submission())
    response = Client().get(download_url(attachment))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not AccessLog.objects.exists()


def test_non_staff_download_gets_no_file(django_user_model):
    attachment = make_attachment(make_submission())
    user = django_user_model.objects.create_user("family", password="x" * 20)
    user.user_permissions.add(Permission.objects.get(codename="download_attachment"))
    response = verified_client(user).get(download_url(attachment))
    assert response.status_code == 302
    assert not hasattr(response, "streaming_content")
    assert not AccessLog.objects.exists()


def test_staff_without_the_permission_is_refused(django_user_model):
    attachment = make_attachment(make_submission())
    user = django_user_model.objects.create_user("itstaff", password="x" * 20, is_staff=True)
    response = verified_client(user).get(download_url(attachment))
    assert response.status_code == 403
    assert not AccessLog.objects.exists()


def test_unverified_staff_download_is_refused(settings, coordinator):
    settings.OTP_REQUIRED = True
    attachment = make_attachment(make_submission())
    client = Client()
    client.force_login(coordinator)  # password only, no second factor
    response = client.get(download_url(attachment))
    assert response.status_code == 302
    assert not AccessLog.objects.exists()


def test_missing_attachment_or_file_is_404(coordinator_client):
    assert coordinator_client.get("/admin/documents/999999/download/").status_code == 404
    attachment = make_attachment(make_submission())
    attachment.file.delete(save=False)
    assert coordinator_client.get(download_url(attachment)).status_code == 404


def _action(client, action, submissions, **extra):
    data = {"action": action, "_selected_action": [s.pk for s in submissions], "index": 0, **extra}
    return client.post(CHANGELIST, data)


def test_export_streams_csv_with_neutralized_cells_and_logs_each_row(coordinator_client, coordinator):
    evil = make_submission(patient_name="=cmd|' /C calc'!A0", contact_name="+SUM(1)")
    plain = make_submission(patient_name="Plain Name")
    response = _action(coordinator_client, "export_csv", [evil, plain])
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, *body = rows
    by_reference = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    assert by_reference[evil.reference]["Patient name"] == "'=cmd|' /C calc'!A0"
    assert by_reference[evil.reference]["Contact name"] == "'+SUM(1)"
    assert by_reference[plain.reference]["Patient name"] == "Plain Name"
    logs = AccessLog.objects.filter(action="export")
    assert {log.submission for log in logs} == {evil, plain}
    assert all(log.user == coordinator for log in logs)


def test_export_needs_the_export_permission(django_user_model):
    user = django_user_model.objects.create_user("viewer", password="x" * 20, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_submission"))
    client = verified_client(user)
    submission = make_submission()
    response = client.get(CHANGELIST)
    action_form = response.context["action_form"]
    assert action_form is None or "export_csv" not in dict(action_form.fields["action"].choices)
    response = _action(client, "export_csv", [submission])
    assert not getattr(response, "streaming", False)
    assert not AccessLog.objects.filter(action="export").exists()


def test_access_log_admin_superusers_read_nobody_edits(coordinator_client, django_user_model):
    submission = make_submission()
    coordinator_client.get(reverse("admin:referrals_submission_change", args=[submission.pk]))
    log = AccessLog.objects.get()
    list_url = reverse("admin:referrals_accesslog_changelist")
    assert coordinator_client.get(list_url).status_code == 403
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "x" * 20)
    client = verified_client(admin)
    response = client.get(list_url)
    assert response.status_code == 200
    assert submission.reference in response.content.decode()
    change = reverse("admin:referrals_accesslog_change", args=[log.pk])
    assert client.get(change).status_code == 200
    client.post(change, {"username": "someone else"})
    assert AccessLog.objects.get(pk=log.pk).username == "coord"
    assert client.get(reverse("admin:referrals_accesslog_delete", args=[log.pk])).status_code == 403
    assert client.get(reverse("admin:referrals_accesslog_add")).status_code == 403
    # The column says UTC, and the time shown is UTC whatever TIME_ZONE the site uses.
    assert log.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") in response.content.decode()


def test_deleting_a_staff_account_never_loses_who_wrote_the_history(coordinator, django_user_model):
    from django.db.models import ProtectedError

    from referrals.models import Note, StatusChange
    from referrals.services import workflow

    submission = make_submission()
    workflow.assign(submission=submission, to=coordinator, by=coordinator)
    workflow.add_note(submission=submission, body="Called", by=coordinator)
    with pytest.raises(ProtectedError):
        coordinator.delete()
    assert StatusChange.objects.get(submission=submission).changed_by == coordinator
    assert Note.objects.get(submission=submission).author == coordinator


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}, "192.0.2.1"),
        (1, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.5"}, "203.0.113.5"),
        (2, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.5"}, "198.51.100.1"),
        (1, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "not-an-ip"}, None),
    ],
)
def test_access_log_client_ip(settings, coordinator_client, proxies, meta, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    submission = make_submission()
    response = coordinator_client.get(reverse("admin:referrals_submission_change", args=[submission.pk]), **meta)
    assert response.status_code == 200
    assert AccessLog.objects.get().client_ip == expected
