"""A coordinator's request for records: a secure upload link for one submission.

The link's token is random (``secrets.token_urlsafe``) and only its SHA-256 is
stored here. The link works until it expires (RECORDS_LINK_DAYS), is revoked,
or is used up (every requested item received, or UPLOAD_MAX_FILES files sent).
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referrals.models.documents import RecordItem
from referrals.models.submission import Submission


def token_hash(token: str) -> str:
    return hashlib.sha256(str(token).encode()).hexdigest()


class RecordsRequest(models.Model):
    class Phrasing(models.TextChoices):
        # A fixed set: no free text leaves the building.
        NONE = "", _("(no message)")
        TO_REVIEW = "to_review", _("We need these records to review the referral.")
        CLEARER_COPY = "clearer_copy", _("The copy we received was hard to read. Please send a clearer copy.")
        MOST_RECENT = "most_recent", _("Please send the most recent version of these records.")
        BOTH_SIDES = "both_sides", _("Please include both sides of the insurance card.")

    class Audience(models.TextChoices):
        SUBMITTER = "submitter", _("the sender")
        CLINICIAN = "clinician", _("the referring office")

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="records_requests")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    items = models.JSONField(_("requested records"), default=list)
    phrasing = models.CharField(_("message"), max_length=20, choices=Phrasing, blank=True)
    audience = models.CharField(_("sent to"), max_length=20, choices=Audience)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fulfilled_at = models.DateTimeField(_("all received"), null=True, blank=True)
    files_received = models.PositiveIntegerField(_("files received"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("records request")
        verbose_name_plural = _("records requests")

    def __str__(self):
        return f"{self.submission_id}-request-{self.pk}"

    @property
    def item_labels(self):
        return [str(RecordItem.Item(item).label) for item in self.items if item in RecordItem.Item.values]

    def state(self, now=None):
        """ "active", "expired", "revoked" or "used" (every item received, or the file limit reached)."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.fulfilled_at is not None or self.files_received >= settings.UPLOAD_MAX_FILES:
            return "used"
        if now >= self.expires_at:
            return "expired"
        return "active"

    @property
    def is_active(self):
        return self.state() == "active"

    @property
    def files_left(self):
        return max(settings.UPLOAD_MAX_FILES - self.files_received, 0)
