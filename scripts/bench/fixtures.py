"""What the signed-in scenarios need in a queue database: a coordinator with an authenticator, two submissions
with short and long histories, the id range of an export, and a surname to search for.

Runs in the bench process on the database ``databases.use`` points at.
"""

import os
import secrets
from datetime import timedelta

from scripts.bench.databases import read_marker, write_marker

USERNAME = "bench-coordinator"
HISTORY = {"change_5": 5, "change_50": 50}


def coordinator(password):
    """The bench's coordinator (createcoordinator, as staff create one) with a new password and a new TOTP device.

    Returns a function giving the current TOTP code, as an authenticator app would.
    """
    from django.contrib.auth import get_user_model
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from scripts.bench.databases import quietly

    User = get_user_model()
    if not User.objects.filter(username=USERNAME).exists():
        os.environ["DJANGO_COORDINATOR_PASSWORD"] = password
        try:
            quietly("createcoordinator", username=USERNAME, email="bench-coordinator@example.org")
        finally:
            del os.environ["DJANGO_COORDINATOR_PASSWORD"]
    user = User.objects.get(username=USERNAME)
    user.set_password(password)
    user.save(update_fields=["password"])
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)

    def code():
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        return f"{totp.token():0{device.digits}d}"

    return code


def history_submissions():
    """{"change_5": id, "change_50": id}: submissions with exactly 5 (50) notes and 5 (50) history rows.

    Made once per database (new rows, so the generated ones keep whatever history they have) and remembered
    in the marker table; made again if their counts changed.
    """
    from referrals.models import Note, StatusChange, Submission

    marker = read_marker()
    found = {}
    for key, count in HISTORY.items():
        pk = int(marker[key]) if marker.get(key, "").isdigit() else None
        if pk is not None and Note.objects.filter(submission_id=pk).count() == count:
            if StatusChange.objects.filter(submission_id=pk).count() == count:
                found[key] = pk
                continue
        found[key] = _with_history(count).pk
        assert Submission.objects.filter(pk=found[key]).exists()
    write_marker(found)
    return found


def _with_history(count):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from referrals.models import Note, StatusChange
    from tests.referrals.factories import make_submission

    author = get_user_model().objects.get(username=USERNAME)
    submission = make_submission(patient_name=f"Bench History{count}", received_at=timezone.now() - timedelta(days=9))
    start = timezone.now() - timedelta(days=8)
    Note.objects.bulk_create(
        Note(
            submission=submission,
            author=author,
            body=f"Called the family, note {n}: " + "words " * 40,
            created_at=start + timedelta(minutes=n),
        )  # fmt: skip
        for n in range(count)
    )
    StatusChange.objects.bulk_create(
        StatusChange(
            submission=submission,
            action=StatusChange.Action.STATUS,
            from_value="new",
            to_value="in_review",
            note=f"step {n}",
            changed_by=author,
            changed_at=start + timedelta(minutes=n),
        )  # fmt: skip
        for n in range(count)
    )
    return submission


def export_range(rows):
    """(first id, last id) of the ``rows`` oldest submissions by id: the filter the export runs over."""
    from referrals.models import Submission

    ids = Submission.objects.order_by("pk").values_list("pk", flat=True)
    first, last = ids[0], ids[rows - 1]
    assert Submission.objects.filter(pk__gte=first, pk__lte=last).count() == rows
    return first, last


def surname():
    """A patient surname in the database: the most frequent among the first thousand rows."""
    from collections import Counter

    from referrals.models import Submission

    names = Submission.objects.order_by("pk").values_list("patient_name", flat=True)[:1000]
    counts = Counter(name.split()[-1] for name in names if name and name.split())
    return counts.most_common(1)[0][0]


def new_password():
    return "bench-" + secrets.token_urlsafe(24)
