"""The audit trails: the access log (who viewed, downloaded or exported which submission; never a URL or
query string) and the status page's lookups (never the date of birth tried)."""

from django.utils import timezone

from referrals.models import AccessLog, StatusLookup


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


def record_status_lookup(*, reference="", submission_id=None, limited=False, client_ip=None):
    """Write the StatusLookup row for one POST to the status page. The date of birth tried is never passed here.

    ``reference`` is the normalised reference number, or ``""`` when what was typed
    did not have its shape; ``submission_id`` is the match's, if the pair matched.
    """
    return StatusLookup.objects.create(
        reference=reference,
        submission_id=submission_id,
        found=submission_id is not None,
        limited=limited,
        client_ip=client_ip,
    )
