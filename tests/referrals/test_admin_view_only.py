"""Staff with view permission only can open and read a submission (it was a 500: form fields named like actions)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from referrals.models import AccessLog
from tests.referrals.factories import make_submission, verified_client


@pytest.fixture
def viewer(db):
    user = get_user_model().objects.create_user(username="viewer", password="x" * 20, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_submission"))
    return user


@pytest.mark.django_db
def test_view_only_staff_can_open_a_submission(viewer):
    submission = make_submission()
    client = verified_client(viewer)
    response = client.get(reverse("admin:referrals_submission_change", args=[submission.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert submission.reference in html
    assert submission.patient_name in html
    # Read-only: no workflow controls, no save button.
    assert 'name="contacted_now"' not in html and 'name="assign_me"' not in html
    assert 'name="_save"' not in html
    assert AccessLog.objects.filter(submission=submission, action=AccessLog.Action.VIEW, user=viewer).count() == 1


@pytest.mark.django_db
def test_view_only_staff_cannot_change_a_submission(viewer):
    submission = make_submission()
    client = verified_client(viewer)
    response = client.post(
        reverse("admin:referrals_submission_change", args=[submission.pk]), {"assign_me": "on", "contacted_now": "on"}
    )
    assert response.status_code == 403
    submission.refresh_from_db()
    assert submission.assigned_to is None and submission.first_contacted_at is None
