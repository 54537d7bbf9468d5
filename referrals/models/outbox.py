"""The email outbox: one row per email, written in the submission's transaction."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referrals.models.history import StatusChange
from referrals.models.records import RecordsRequest
from referrals.models.submission import Submission


class Notification(models.Model):
    """The email outbox. Written in the submission's transaction; sent by the outbox worker.

    Nothing with PHI is stored here: subject and body are rendered from the
    submission's reference, kind and urgency when the email is sent. A status
    notice also points at the history row (``status_change``) whose new stage it
    announces: one row per change and address, so a change is announced once.
    """

    class Kind(models.TextChoices):
        SUBMITTER_CONFIRMATION = "submitter_confirmation", _("Confirmation to the sender")
        INTAKE_NOTICE = "intake_notice", _("Notice to the intake inbox")
        STATUS_NOTICE = "status_notice", _("Status notice")
        RECORDS_REQUEST = "records_request", _("Records request with an upload link")
        RECORDS_RECEIVED = "records_received", _("Records received (to the coordinator)")

    class Audience(models.TextChoices):
        INTAKE = "intake", _("the intake inbox")
        SUBMITTER = "submitter", _("the sender")
        CLINICIAN = "clinician", _("the referring clinician")
        COORDINATOR = "coordinator", _("the assigned coordinator")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="notifications")
    kind = models.CharField(max_length=30, choices=Kind)
    to_email = models.EmailField(max_length=254)
    audience = models.CharField(max_length=20, choices=Audience, blank=True)
    status_change = models.ForeignKey(
        StatusChange, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    records_request = models.ForeignKey(
        RecordsRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    # A records request's upload link, kept only until the email is sent (the request itself stores its hash).
    link_token = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=5, default="en")
    state = models.CharField(max_length=10, choices=State, default=State.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # After a failed send the row waits until then (a growing back-off), so one bad row never blocks the rest.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "kind"],
                condition=Q(kind__in=["submitter_confirmation", "intake_notice"]),
                name="notification_once_per_kind",
            ),
            models.UniqueConstraint(
                fields=["records_request"],
                condition=Q(kind="records_request"),
                name="notification_once_per_records_request",
            ),
            models.UniqueConstraint(
                fields=["status_change", "to_email"],
                condition=Q(status_change__isnull=False),
                name="notification_once_per_change_and_address",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "sending", "sent"]), name="notification_state_valid"
            ),
        ]

    def __str__(self):
        return f"{self.kind} for {self.submission_id}"
