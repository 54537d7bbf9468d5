"""The audit trails: the access log (who viewed, downloaded, exported or changed which submission; never a URL,
a query string or free text) and the status page's lookups (never the date of birth tried)."""

from django.conf import settings
from django.db import connections
from django.db.models import F, QuerySet
from django.utils import timezone, translation

from referrals.models import AccessLog, StatusChange, StatusLookup


def record_access(*, user, action, submissions=(), object_repr="", client_ip=None):
    """Write AccessLog rows: one per submission, or one for ``object_repr`` alone. Never a URL or query string.

    ``submissions`` is a list of Submission rows, or a queryset of them: a
    queryset (an export of thousands) is logged by one INSERT ... SELECT, so no
    row is read into memory and the statement count does not grow with it.
    """
    now = timezone.now()
    username = user.get_username() if user is not None else ""
    if isinstance(submissions, QuerySet):
        return _record_access_for(submissions, user=user, username=username, at=now, action=action, client_ip=client_ip)
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


def _record_access_for(submissions, *, user, **fixed):
    """One AccessLog row per submission of the queryset, as ``record_access`` writes them, in one statement.

    The same values as the rows above (the reference as the object, no detail);
    the columns and their database values come from the model's fields. Returns
    the number of rows written.
    """
    connection = connections[submissions.db]
    fixed = {"user": user.pk if user is not None else None, "detail": "", **fixed}
    fields = [AccessLog._meta.get_field(name) for name in fixed]
    values = [field.get_db_prep_save(fixed[field.name], connection) for field in fields]
    picked_sql, picked_params = (
        submissions.order_by()
        .values(picked_pk=F("pk"), picked_reference=F("reference"))
        .query.get_compiler(connection=connection)
        .as_sql()
    )
    quote = connection.ops.quote_name
    columns = [field.column for field in fields]
    columns += [AccessLog._meta.get_field("submission").column, AccessLog._meta.get_field("object_repr").column]
    placeholders = ", ".join(["%s"] * len(values))
    # Names from the model, values as parameters.
    into = f"{quote(AccessLog._meta.db_table)} ({', '.join(quote(column) for column in columns)})"
    picked = f"{placeholders}, picked.picked_pk, picked.picked_reference FROM ({picked_sql}) picked"
    sql = f"INSERT INTO {into} SELECT {picked}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *picked_params])
        return cursor.rowcount


def record_history(*, client_ip=None, **fields):
    """Write one history row (StatusChange) and, for a person's change, its access-log row: who, which step.

    The access log's ``detail`` holds the step and its coded values ("Status
    changed: New → In review"); the history row's note (free text a coordinator
    typed) never goes there. Rows the system writes (``changed_by`` unset: an
    email sent, records uploaded through a link) are history only.
    """
    change = StatusChange.objects.create(**fields)
    if change.changed_by is not None:
        record_change(
            user=change.changed_by, submission=change.submission, detail=change_detail(change), client_ip=client_ip
        )
    return change


def change_detail(change):
    """The step and its coded values, in the site's default language whatever the coordinator reads in."""
    with translation.override(settings.LANGUAGE_CODE):
        text = f"{change.get_action_display()}: {change.from_label} → {change.to_label}"
    return text if len(text) <= 200 else text[:199] + "…"


def record_change(*, user, submission, detail, client_ip=None):
    """One access-log row for a change ``user`` made to ``submission``; ``detail`` names the step, never free text."""
    return AccessLog.objects.create(
        user=user,
        username=user.get_username(),
        submission=submission,
        object_repr=submission.reference,
        action=AccessLog.Action.CHANGE,
        detail=detail,
        client_ip=client_ip,
    )


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
