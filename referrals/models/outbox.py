"""The email outbox: one row per email, written in the submission's transaction."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referrals.models.submission import Submission


class Notification(models.Model):
    """The email outbox. Written in the submission's transaction; sent after commit.

    Nothing with PHI is stored here: subject and body are rendered from the
    submission's reference, kind and urgency when the email is sent.
    """

    class Kind(models.TextChoices):
        SUBMITTER_CONFIRMATION = "submitter_confirmation", _("Confirmation to the sender")
        INTAKE_NOTICE = "intake_notice", _("Notice to the intake inbox")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="notifications")
    kind = models.CharField(max_length=30, choices=Kind)
    to_email = models.EmailField(max_length=254)
    language = models.CharField(max_length=5, default="en")
    state = models.CharField(max_length=10, choices=State, default=State.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "kind"], name="notification_once_per_kind"),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "sending", "sent"]), name="notification_state_valid"
            ),
        ]

    def __str__(self):
        return f"{self.kind} for {self.submission_id}"
