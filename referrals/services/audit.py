"""The access log: who viewed, downloaded or exported which submission. Never a URL or query string."""

from django.utils import timezone

from referrals.models import AccessLog


def record_access(*, user, action, submissions=(), object_repr="", client_ip=None):
    """Write AccessLog rows: one per submission, or one for ``object_repr`` alone. Never a URL or query string."""

    now = timezone.now()
    username = user.get_username() if user is not None else ""
    rows = [
        AccessLog(
            user=user,
            username=username,
            at=now,
            submission=submission,
            object_repr=object_repr or submission.reference,
            action=action,
            client_ip=client_ip,
        )
        for submission in submissions
    ]
    if not rows:
        rows = [
            AccessLog(user=user, username=username, at=now, object_repr=object_repr, action=action, client_ip=client_ip)
        ]
    return AccessLog.objects.bulk_create(rows)
