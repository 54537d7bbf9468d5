"""Records: a coordinator asks for them with a secure upload link; the sender uploads; coordinators attach faxes.

``request_records`` makes the link (a random token, stored hashed), moves the
submission to "awaiting records" (which starts the follow-up clock) and queues
the email. ``receive_upload`` takes files sent through a link, under exactly the
intake's file rules, ticks the matching checklist items and tells the assigned
coordinator. ``attach_documents`` is the coordinators' way in for records that
arrived by fax or email. Every step writes its history row.
"""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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
from referrals.services import audit, documents, workflow
from referrals.services.workflow import WorkflowError

logger = logging.getLogger("referrals.records")


class LinkUnavailable(Exception):
    """A records link that cannot be used: ``state`` is "unknown", "expired", "revoked" or "used"."""

    def __init__(self, state):
        super().__init__(state)
        self.state = state


def find_request(token):
    """The records request a link's token opens, or None (only the token's hash is stored)."""
    if not token or len(token) > 64:
        return None
    return RecordsRequest.objects.select_related("submission").filter(token_hash=token_hash(token)).first()


@transaction.atomic
def request_records(*, submission, items, audience, by, phrasing="", client_ip=None):
    """Ask for records: a link to ``audience`` for ``items``; the submission waits for records. Return the request."""
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    items = list(dict.fromkeys(items))
    if not items or not set(items) <= set(RecordItem.Item.values):
        raise WorkflowError(_("%(ref)s: choose the records to ask for.") % {"ref": locked.reference})
    if phrasing not in RecordsRequest.Phrasing.values:
        raise WorkflowError(_("%(ref)s: choose a message from the list.") % {"ref": locked.reference})
    recipients = locked.records_recipients()
    if audience not in recipients:
        raise WorkflowError(_("%(ref)s: there is no email address to send the link to.") % {"ref": locked.reference})
    if locked.status != Submission.Status.AWAITING_RECORDS:
        if not locked.can_transition_to(Submission.Status.AWAITING_RECORDS):
            raise WorkflowError(
                _("%(ref)s: records can only be requested while the submission is open.") % {"ref": locked.reference}
            )
        # The records request email says it all: no separate status notice.
        workflow.transition(
            submission=locked, to_status=Submission.Status.AWAITING_RECORDS, by=by, notify=False, client_ip=client_ip
        )
    for item in items:
        workflow.set_record_item(
            submission=locked, item=item, state=RecordItem.State.MISSING, by=by, client_ip=client_ip
        )

    now = timezone.now()
    token = secrets.token_urlsafe(32)
    request = RecordsRequest.objects.create(
        submission=locked,
        token_hash=token_hash(token),
        items=items,
        phrasing=phrasing,
        audience=audience,
        created_by=by,
        created_at=now,
        expires_at=now + timedelta(days=settings.RECORDS_LINK_DAYS),
    )
    locked.records_requested_at = now
    locked.save(update_fields=["records_requested_at"])
    audit.record_history(
        client_ip=client_ip,
        submission=locked,
        action=StatusChange.Action.RECORDS_REQUESTED,
        to_value=", ".join(items),
        note=f"Upload link emailed to {RecordsRequest.Audience(audience).label}",
        changed_by=by,
        changed_at=now,
    )
    Notification.objects.create(
        submission=locked,
        kind=Notification.Kind.RECORDS_REQUEST,
        records_request=request,
        audience=audience,
        to_email=recipients[audience],
        language=locked.language,
        link_token=token,
    )
    submission.status, submission.records_requested_at = locked.status, now
    return request


@transaction.atomic
def revoke_link(*, records_request, by, client_ip=None):
    """Stop a records link from working (it then shows the "no longer works" page)."""
    # The submission first, as receive_upload locks them: the same order, so the two never deadlock.
    Submission.objects.select_for_update().get(pk=records_request.submission_id)
    request = RecordsRequest.objects.select_for_update().get(pk=records_request.pk)
    if request.revoked_at is not None:
        return request
    request.revoked_at = timezone.now()
    request.revoked_by = by
    request.save(update_fields=["revoked_at", "revoked_by"])
    audit.record_history(
        client_ip=client_ip,
        submission_id=request.submission_id,
        action=StatusChange.Action.LINK_REVOKED,
        to_value=", ".join(request.items),
        changed_by=by,
    )
    return request


def receive_upload(*, token, files_by_item):
    """Store files sent through a records link: ``{item: [checked uploads]}``. Return the Attachments.

    Raises LinkUnavailable if the link is unknown, expired, revoked or used up
    (checked again under a row lock, so two uploads at once cannot pass the file
    limit), and WorkflowError if the files are more than the link has left.
    """
    written = []
    try:
        with transaction.atomic():
            found = find_request(token)
            if found is None:
                raise LinkUnavailable("unknown")
            submission = Submission.objects.select_for_update().get(pk=found.submission_id)
            request = RecordsRequest.objects.select_for_update().get(pk=found.pk)
            if request.state() != "active":
                raise LinkUnavailable(request.state())
            files_by_item = {item: files for item, files in files_by_item.items() if files and item in request.items}
            count = sum(len(files) for files in files_by_item.values())
            if not count or count > request.files_left:
                raise WorkflowError(
                    _("You can send at most %(max)d more files with this link.") % {"max": request.files_left}
                )
            attachments = []
            for item, files in files_by_item.items():
                attachments += documents.store_files(
                    submission, files, written, source=Attachment.Source.RECORDS_LINK, record_item=item
                )
                workflow.set_record_item(submission=submission, item=item, state=RecordItem.State.RECEIVED, by=None)
            request.files_received += count
            fields = ["files_received"]
            states = submission.record_states()
            if all(states[item] != RecordItem.State.MISSING for item in request.items):
                request.fulfilled_at = timezone.now()
                fields.append("fulfilled_at")
                # Everything asked for arrived: the follow-up clock stops.
                submission.records_requested_at = None
                submission.save(update_fields=["records_requested_at"])
            request.save(update_fields=fields)
            change = StatusChange.objects.create(
                submission=submission,
                action=StatusChange.Action.RECORDS_UPLOADED,
                to_value=", ".join(files_by_item),
                note=f"{count} file(s) through the records link",
            )
            _notify_coordinator(submission, change)
    except BaseException:
        documents.remove_files(written)
        raise
    logger.info("records received reference=%s files=%d", submission.reference, count)
    return attachments


def _notify_coordinator(submission, change):
    """Tell the assigned coordinator (or the intake inbox) that records arrived: reference only."""
    coordinator = submission.assigned_to
    if coordinator is not None and coordinator.email:
        audience, email = Notification.Audience.COORDINATOR, coordinator.email
    else:
        audience, email = Notification.Audience.INTAKE, settings.INTAKE_EMAIL
    Notification.objects.create(
        submission=submission,
        kind=Notification.Kind.RECORDS_RECEIVED,
        status_change=change,
        audience=audience,
        to_email=email,
        language=settings.LANGUAGE_CODE,
    )


def attach_documents(*, submission, files, by, record_item="", client_ip=None):
    """A coordinator adds records that arrived by fax or email: same file rules, history and access log."""
    if record_item and record_item not in RecordItem.Item.values:
        raise WorkflowError(_("Unknown record."))
    written = []
    try:
        with transaction.atomic():
            locked = Submission.objects.select_for_update().get(pk=submission.pk)
            attachments = documents.store_files(
                locked, files, written, source=Attachment.Source.COORDINATOR, record_item=record_item, added_by=by
            )
            if record_item:
                workflow.set_record_item(
                    submission=locked, item=record_item, state=RecordItem.State.RECEIVED, by=by, client_ip=client_ip
                )
            # History only: the access log's own row for this step is "Added a document" (ATTACH).
            StatusChange.objects.create(
                submission=locked,
                action=StatusChange.Action.DOCUMENTS_ADDED,
                to_value=record_item,
                note=f"{len(attachments)} file(s) added",
                changed_by=by,
            )
            audit.record_access(user=by, action=AccessLog.Action.ATTACH, submissions=[locked], client_ip=client_ip)
    except BaseException:
        documents.remove_files(written)
        raise
    return attachments
