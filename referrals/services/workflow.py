"""Coordinators' workflow steps.

Each step locks the submission row, checks its current state, and writes the
change and its StatusChange history row in one transaction. The admin's change
form, its actions and its buttons all call these functions, row by row.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from referrals.models import Note, Notification, RecordItem, StatusChange, Submission
from referrals.services import audit


class WorkflowError(Exception):
    """A refused workflow step. The message is safe to show (reference numbers only, no PHI)."""


def _locked(submission):
    return Submission.objects.select_for_update().get(pk=submission.pk)


def _sync(target, source, fields):
    # Keep the caller's instance in step with what was saved.
    for field in fields:
        setattr(target, field, getattr(source, field))


@transaction.atomic
def assign(*, submission, to, by, client_ip=None):
    """Assign a submission to a coordinator (``to=None`` unassigns)."""

    locked = _locked(submission)
    if locked.assigned_to_id == (to.pk if to else None):
        return locked
    if to is not None and not Submission.assignable_users().filter(pk=to.pk).exists():
        raise WorkflowError(_("%(ref)s: only an active coordinator can be assigned.") % {"ref": locked.reference})
    previous = locked.assigned_to.get_username() if locked.assigned_to_id else ""
    locked.assigned_to = to
    locked.save(update_fields=["assigned_to"])
    audit.record_history(
        client_ip=client_ip,
        submission=locked,
        action=StatusChange.Action.ASSIGNED,
        from_value=previous,
        to_value=to.get_username() if to else "",
        changed_by=by,
    )
    _sync(submission, locked, ["assigned_to"])
    return locked


@transaction.atomic
def mark_contacted(*, submission, by, note="", at=None, client_ip=None):
    """Record a contact with the family. The first one sets ``first_contacted_at``; later ones only add history."""

    locked = _locked(submission)
    at = at or timezone.now()
    previous = locked.first_contacted_at
    if previous is None:
        locked.first_contacted_at = at
        locked.save(update_fields=["first_contacted_at"])
    audit.record_history(
        client_ip=client_ip,
        submission=locked,
        action=StatusChange.Action.CONTACTED,
        from_value=previous.isoformat() if previous else "",
        to_value=at.isoformat(),
        note=note,
        changed_by=by,
        changed_at=at,
    )
    _sync(submission, locked, ["first_contacted_at"])
    return locked


@transaction.atomic
def transition(
    *, submission, to_status, by, note="", decline_reason="", consult_date=None, notify=True, client_ip=None
):
    """Move a submission to another status, if ``Submission.TRANSITIONS`` allows it.

    Declining needs a reason; accepting needs the consult date. A refused step
    raises WorkflowError and changes nothing. A new stage queues status notices
    unless ``notify`` is False (a records request sends its own email instead).
    """

    locked = _locked(submission)
    if to_status not in Submission.Status.values:
        raise WorkflowError(_("%(ref)s refused: unknown status.") % {"ref": locked.reference})
    if not locked.can_transition_to(to_status):
        raise WorkflowError(
            _("%(ref)s refused: cannot go from %(from)s to %(to)s.")
            % {
                "ref": locked.reference,
                "from": Submission.Status(locked.status).label.lower(),
                "to": Submission.Status(to_status).label.lower(),
            }
        )
    fields = ["status"]
    if to_status == Submission.Status.DECLINED:
        if decline_reason not in Submission.DeclineReason.values:
            raise WorkflowError(_("%(ref)s refused: declining needs a reason.") % {"ref": locked.reference})
        locked.decline_reason = decline_reason
        fields.append("decline_reason")
    if to_status == Submission.Status.ACCEPTED:
        if consult_date is None:
            raise WorkflowError(_("%(ref)s refused: accepting needs the consult date.") % {"ref": locked.reference})
        locked.consult_date = consult_date
        fields.append("consult_date")
    if to_status in Submission.DECIDED_STATUSES:
        if locked.decided_at is None:
            locked.decided_at = timezone.now()
            fields.append("decided_at")
    previous = locked.status
    locked.status = to_status
    locked.save(update_fields=fields)
    extra = ""
    if to_status == Submission.Status.DECLINED:
        extra = str(Submission.DeclineReason(decline_reason).label)
    elif to_status == Submission.Status.ACCEPTED:
        extra = str(_("Consult on %(date)s") % {"date": consult_date.isoformat()})
    change = audit.record_history(
        client_ip=client_ip,
        submission=locked,
        action=StatusChange.Action.STATUS,
        from_value=previous,
        to_value=to_status,
        note="\n".join(part for part in (extra, note) if part),
        changed_by=by,
    )
    if notify and Submission.stage_of(previous) != Submission.stage_of(to_status):
        _queue_status_notices(locked, change)
    _sync(submission, locked, fields)
    return locked


def _queue_status_notices(submission, change):
    """One outbox row per recipient for a new stage (none when notices are off); the outbox worker sends them."""
    rows = [
        Notification(
            submission=submission,
            kind=Notification.Kind.STATUS_NOTICE,
            status_change=change,
            audience=audience,
            to_email=email,
            language=submission.language,
        )
        for audience, email in submission.notice_recipients()
    ]
    if rows:
        Notification.objects.bulk_create(rows)


@transaction.atomic
def set_status_notices(*, submission, enabled, by, client_ip=None):
    """Turn status notices on or off for one submission (e.g. the family asked for phone calls only)."""
    locked = _locked(submission)
    enabled = bool(enabled)
    if locked.status_notices != enabled:
        locked.status_notices = enabled
        locked.save(update_fields=["status_notices"])
        audit.record_history(
            client_ip=client_ip,
            submission=locked,
            action=StatusChange.Action.NOTICES,
            from_value="on" if not enabled else "off",
            to_value="on" if enabled else "off",
            changed_by=by,
        )
    _sync(submission, locked, ["status_notices"])
    return locked


@transaction.atomic
def add_note(*, submission, body, by, client_ip=None):
    """Append an internal note. Notes are never edited or deleted."""

    body = (body or "").strip()
    if not body:
        raise WorkflowError(_("A note cannot be empty."))
    note = Note.objects.create(submission=submission, body=body, author=by)
    audit.record_change(user=by, submission=submission, detail="Note added", client_ip=client_ip)
    return note


@transaction.atomic
def set_record_item(*, submission, item, state, by, client_ip=None):
    """Mark one line of the records checklist; keeps ``records_completed_at`` in step (it starts the review clock)."""

    if item not in RecordItem.Item.values or state not in RecordItem.State.values:
        raise WorkflowError(_("Unknown record or state."))
    locked = _locked(submission)
    record, created = RecordItem.objects.get_or_create(
        submission=locked, item=item, defaults={"state": state, "updated_by": by}
    )
    previous = RecordItem.State.MISSING if created else record.state
    if previous == state:
        return record
    if not created:
        record.state = state
        record.updated_by = by
        record.save(update_fields=["state", "updated_by", "updated_at"])
    audit.record_history(
        client_ip=client_ip,
        submission=locked,
        action=StatusChange.Action.RECORDS,
        from_value=f"{item}: {previous}",
        to_value=f"{item}: {state}",
        changed_by=by,
    )
    complete = locked.records_complete  # fresh query: the row just changed
    if complete and locked.records_completed_at is None:
        locked.records_completed_at = timezone.now()
        locked.save(update_fields=["records_completed_at"])
    elif not complete and locked.records_completed_at is not None:
        locked.records_completed_at = None
        locked.save(update_fields=["records_completed_at"])
    _sync(submission, locked, ["records_completed_at"])
    return record
