"""
The email outbox. ``services.intake`` writes ``Notification`` rows in the submission's
transaction; ``send_pending`` sends them after commit, and the management
command ``send_pending_notifications`` sends whatever a failure left behind.

Each row is claimed with one conditional UPDATE (pending -> sending), so two
senders running at once never send the same row twice. A failed send records
only the error's class name (never a message that could echo an address or
PHI) and puts the row back to pending.

Emails carry the reference number, kind, urgency, stage and next steps: never
a patient's name, date of birth, diagnosis, insurance or free text.

Delivery is at least once, not exactly once: a row is marked sent only after the
mail server accepted it, so a process that dies between the two (or a claim
left "sending" for STALE_CLAIM) sends that one email again.

A sent status notice adds a "Status notice emailed" line to the submission's
history, naming the stage and who it went to (never the address).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from core.phones import phone_lines

from .models import Notification, StatusChange, Submission

logger = logging.getLogger("referrals.notifications")

# A row left "sending" this long (a worker died mid-send) is tried again.
STALE_CLAIM = timedelta(minutes=30)


def send_pending(*, submission_id=None, limit=None):
    """Send pending outbox rows (optionally one submission's). Return how many were sent."""
    rows = Notification.objects.filter(_claimable()).order_by("created_at", "pk")
    if submission_id is not None:
        rows = rows.filter(submission_id=submission_id)
    ids = list(rows.values_list("pk", flat=True)[:limit] if limit else rows.values_list("pk", flat=True))
    sent = 0
    for pk in ids:
        if _claim(pk) and _send(pk):
            sent += 1
    return sent


def _claimable():
    return Q(state=Notification.State.PENDING) | Q(
        state=Notification.State.SENDING, claimed_at__lt=timezone.now() - STALE_CLAIM
    )


def _claim(pk):
    """Take one row for this process. Only one concurrent caller can win."""
    # A single conditional UPDATE is the claim: the database serialises it.
    claimed = Notification.objects.filter(_claimable(), pk=pk).update(
        state=Notification.State.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    return claimed == 1


def _send(pk):
    notification = Notification.objects.select_related("submission", "records_request", "status_change").get(pk=pk)
    submission = notification.submission
    try:
        message = build_message(notification)
        message.send(fail_silently=False)
    except Exception as exc:  # any backend error: keep the row, record the class only
        Notification.objects.filter(pk=pk, state=Notification.State.SENDING).update(
            state=Notification.State.PENDING, last_error=type(exc).__name__[:200]
        )
        logger.warning(
            "email not sent reference=%s notification=%s kind=%s error=%s",
            submission.reference,
            pk,
            notification.kind,
            type(exc).__name__,
        )
        return False
    with transaction.atomic():  # "sent" and its history line together
        # A records link's token is kept only until its email is sent.
        Notification.objects.filter(pk=pk).update(
            state=Notification.State.SENT, sent_at=timezone.now(), last_error="", link_token=""
        )
        if notification.kind == Notification.Kind.STATUS_NOTICE:
            _record_notice_in_history(notification)
    logger.info("email sent reference=%s notification=%s kind=%s", submission.reference, pk, notification.kind)
    return True


def _record_notice_in_history(notification):
    audience = Notification.Audience(notification.audience) if notification.audience else None
    StatusChange.objects.create(
        submission_id=notification.submission_id,
        action=StatusChange.Action.NOTICE,
        to_value=_notice_stage(notification),
        note=f"Emailed to {audience.label}" if audience else "",
    )


def _notice_stage(notification):
    """The stage a status notice announces: the one its history row moved to (not today's, if it changed since)."""
    return Submission.stage_of(notification.status_change.to_value)


def status_url():
    """The status page's full address in the active language (/es/status/ in Spanish)."""
    return f"{settings.SITE_URL}{reverse('referrals:status')}"


def upload_url(token):
    """A records link's full address in the active language."""
    return f"{settings.SITE_URL}{reverse('referrals:records_upload', args=[token])}"


def admin_url(submission):
    try:
        path = reverse("admin:referrals_submission_change", args=[submission.pk])
    except NoReverseMatch:  # the admin registers the model in its own issue
        path = f"/admin/referrals/submission/{submission.pk}/change/"
    return f"{settings.SITE_URL}{path}"


def build_message(notification):
    """The email for one outbox row, rendered in the row's language."""
    submission = notification.submission
    template = {
        Notification.Kind.INTAKE_NOTICE: "referrals/email/intake_notice",
        Notification.Kind.SUBMITTER_CONFIRMATION: "referrals/email/submitter_confirmation",
        Notification.Kind.STATUS_NOTICE: "referrals/email/status_notice",
        Notification.Kind.RECORDS_REQUEST: "referrals/email/records_request",
        Notification.Kind.RECORDS_RECEIVED: "referrals/email/records_received",
    }[notification.kind]
    with translation.override(notification.language):
        stage = _notice_stage(notification) if notification.kind == Notification.Kind.STATUS_NOTICE else None
        context = {
            "stage": stage,
            "stage_label": Submission.Stage(stage).label if stage else "",
            "status_url": status_url(),
            "records_request": notification.records_request,
            "phones": phone_lines(),
            "upload_url": upload_url(notification.link_token) if notification.link_token else "",
            "is_urgent": submission.is_urgent,
            "contact_method": submission.preferred_contact_method,
            "reference": submission.reference,
            "kind": submission.kind,
            "kind_label": submission.get_kind_display(),
            "urgency": submission.urgency,
            "urgency_label": submission.get_urgency_display(),
            "language_label": submission.get_language_display(),
            "received_at": submission.received_at,
            "first_contact_due": submission.first_contact_due(),
            "attachment_count": submission.attachments.count(),
            "admin_url": admin_url(submission),
            "first_contact_days": submission.first_contact_days(),
            "review_days": settings.REVIEW_BUSINESS_DAYS,
        }
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    return EmailMessage(subject=subject, body=body, to=[notification.to_email])
