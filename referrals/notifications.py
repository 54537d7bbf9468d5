"""
The email outbox. The services write ``Notification`` rows in the same transaction
as the change they announce; no request ever talks to the mail server. The outbox
worker (``manage.py send_pending_notifications --loop``, ``run_worker`` here) sends
them: a pass every ``OUTBOX_INTERVAL_SECONDS``, run as its own process (its own
systemd unit in production; ``make run`` starts one beside the web server).

Each row is claimed with one conditional UPDATE (pending -> sending), so two
senders running at once never send the same row twice. A failed send records
only the error's class name (never a message that could echo an address or
PHI) and puts the row back to pending.

Emails carry the reference number, kind, urgency, stage and next steps: never
a patient's name, date of birth, diagnosis, insurance or free text.

A row whose send failed waits (``next_attempt_at``, a back-off that doubles up to
``OUTBOX_RETRY_MAX_SECONDS``), so one undeliverable address never holds up the
rest. When the mail server itself cannot be reached (refused, timed out, hung
up), the pass stops there: the other rows would only wait out the same timeout,
and the worker waits longer between passes until the server answers again.

Delivery is at least once, not exactly once: a row is marked sent only after the
mail server accepted it, so a process that dies between the two (or a claim
left "sending" for STALE_CLAIM) sends that one email again.

A sent status notice adds a "Status notice emailed" line to the submission's
history, naming the stage and who it went to (never the address).
"""

import logging
import smtplib
import threading
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import Error as DatabaseLayerError
from django.db import close_old_connections, connections, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from core.phones import phone_lines

from .models import Notification, StatusChange, Submission

logger = logging.getLogger("referrals.notifications")

# A row left "sending" this long (a worker died mid-send) is tried again.
STALE_CLAIM = timedelta(minutes=30)


# The SMTP errors that concern one message; any other OSError (refused, timed out, disconnected) is the server's.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


class Unfinished(Exception):
    """The database failed halfway through one row: it is still claimed ("sending").

    ``sent`` says whether the mail server had already accepted the email. The
    worker settles it once the database is back: marks it sent (never sending it
    twice), or puts it back in the queue.
    """

    def __init__(self, pk, *, sent, notification=None):
        super().__init__(f"notification {pk} unfinished (sent={sent})")
        self.pk, self.sent, self.notification = pk, sent, notification


@dataclass
class Pass:
    """What one pass over the outbox did."""

    sent: int = 0
    failed: int = 0
    server_down: bool = False
    more_waiting: bool = False


def send_pending(*, submission_id=None, limit=None):
    """Send pending outbox rows (optionally one submission's). Return how many were sent."""
    return send_pass(submission_id=submission_id, limit=limit).sent


def send_pass(*, submission_id=None, limit=None):
    """One pass: claim and send each due row, over one connection to the mail server."""
    rows = Notification.objects.filter(_claimable()).order_by("created_at", "pk")
    if submission_id is not None:
        rows = rows.filter(submission_id=submission_id)
    ids = list(rows.values_list("pk", flat=True)[: limit + 1] if limit else rows.values_list("pk", flat=True))
    result = Pass(more_waiting=bool(limit) and len(ids) > limit)
    ids = ids[:limit] if limit else ids
    if not ids:
        return result
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except OSError as exc:  # refused, timed out or hung up before a row was claimed: nothing to put back
        _log_server_down(exc)
        result.server_down = True
        return result
    try:
        for pk in ids:
            if not _claim(pk):
                continue
            outcome = _send(pk, connection)
            if outcome is True:
                result.sent += 1
                continue
            result.failed += 1
            if isinstance(outcome, OSError) and not isinstance(outcome, MESSAGE_ERRORS):
                result.server_down = True  # the rest would only wait out the same timeout
                break
    finally:
        try:
            connection.close()
        except OSError:
            pass
    return result


def run_worker(*, interval=None, stop=None, max_passes=None, batch=100):
    """Send from the outbox until ``stop`` is set: the body of ``send_pending_notifications --loop``.

    Each pass starts with fresh database connections where the old ones broke
    (a database restart is waited out, not fatal) and first settles any row a
    database failure left half-done. Between passes it waits ``interval``
    seconds, at once when a full batch left more, and longer (doubling, up to a
    minute) while the mail server or the database is down.
    """
    interval = settings.OUTBOX_INTERVAL_SECONDS if interval is None else interval
    stop = stop or threading.Event()
    wait, passes, unfinished = interval, 0, {}
    while not stop.is_set():
        close_old_connections()
        try:
            _settle(unfinished)
            result = send_pass(limit=batch)
        except Unfinished as exc:
            unfinished[exc.pk] = exc
            logger.warning("outbox worker: database unavailable mid-send notification=%s", exc.pk)
            result = Pass(server_down=True)
        except DatabaseLayerError as exc:
            logger.warning("outbox worker: database unavailable error=%s", type(exc).__name__)
            result = Pass(server_down=True)
        passes += 1
        if max_passes is not None and passes >= max_passes:
            break
        if result.server_down:
            wait = min(max(wait, interval, 0.5) * 2, 60)
        else:
            wait = 0 if result.more_waiting else interval
        stop.wait(wait)
    connections.close_all()  # this thread's connections end with it
    return passes


def _settle(unfinished):
    """Finish what a database failure interrupted: record a sent email as sent, put an unsent one back."""
    for pk, item in list(unfinished.items()):
        if item.sent:
            _mark_sent(item.notification)
        else:
            Notification.objects.filter(pk=pk, state=Notification.State.SENDING).update(
                state=Notification.State.PENDING
            )
        del unfinished[pk]


def _log_server_down(exc):
    logger.warning("mail server unavailable error=%s", type(exc).__name__)


def _claimable():
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return (Q(state=Notification.State.PENDING) & due) | Q(
        state=Notification.State.SENDING, claimed_at__lt=now - STALE_CLAIM
    )


def _claim(pk):
    """Take one row for this process. Only one concurrent caller can win."""
    # A single conditional UPDATE is the claim: the database serialises it.
    claimed = Notification.objects.filter(_claimable(), pk=pk).update(
        state=Notification.State.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    return claimed == 1


def retry_delay(attempts):
    """How long a row waits after its ``attempts``-th failed send: doubling from the base, capped."""
    base, cap = settings.OUTBOX_RETRY_BASE_SECONDS, settings.OUTBOX_RETRY_MAX_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def _send(pk, connection=None):
    """Send one claimed row. True when the server accepted it; otherwise the exception (the row is put back).

    A database failure on the way raises Unfinished, so the worker can settle the row once the database is back.
    """
    try:
        notification = Notification.objects.select_related("submission", "records_request", "status_change").get(pk=pk)
        message = build_message(notification)
    except DatabaseLayerError as exc:
        raise Unfinished(pk, sent=False) from exc
    submission = notification.submission
    try:
        message.connection = connection
        message.send(fail_silently=False)
    except Exception as exc:  # any backend error: keep the row, record the class only
        try:
            Notification.objects.filter(pk=pk, state=Notification.State.SENDING).update(
                state=Notification.State.PENDING,
                last_error=type(exc).__name__[:200],
                next_attempt_at=timezone.now() + retry_delay(notification.attempts),
            )
        except DatabaseLayerError as db_exc:
            raise Unfinished(pk, sent=False) from db_exc
        logger.warning(
            "email not sent reference=%s notification=%s kind=%s error=%s",
            submission.reference,
            pk,
            notification.kind,
            type(exc).__name__,
        )
        return exc
    try:
        _mark_sent(notification)
    except DatabaseLayerError as exc:
        raise Unfinished(pk, sent=True, notification=notification) from exc
    logger.info("email sent reference=%s notification=%s kind=%s", submission.reference, pk, notification.kind)
    return True


def _mark_sent(notification):
    with transaction.atomic():  # "sent" and its history line together
        # A records link's token is kept only until its email is sent.
        marked = Notification.objects.filter(pk=notification.pk, state=Notification.State.SENDING).update(
            state=Notification.State.SENT, sent_at=timezone.now(), last_error="", link_token="", next_attempt_at=None
        )
        # Once only: settling a row whose first "sent" did commit (the reply was lost) adds no second line.
        if marked and notification.kind == Notification.Kind.STATUS_NOTICE:
            _record_notice_in_history(notification)


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
