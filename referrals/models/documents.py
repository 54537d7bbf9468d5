"""What came with a submission: its documents (Attachment) and its records checklist (RecordItem)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referrals.models.submission import Submission, private_storage


class RecordItem(models.Model):
    """One line of a submission's records checklist."""

    class Item(models.TextChoices):
        PATHOLOGY = "pathology", _("Pathology report")
        FLOW_MRD = "flow_mrd", _("Flow cytometry / MRD report")
        TREATMENT_SUMMARY = "treatment_summary", _("Treatment summary")
        INSURANCE_CARD = "insurance_card", _("Insurance card")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        MISSING = "missing", _("Missing")
        RECEIVED = "received", _("Received")
        NOT_NEEDED = "not_needed", _("Not needed")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="record_items")
    item = models.CharField(_("record"), max_length=20, choices=Item)
    state = models.CharField(_("state"), max_length=12, choices=State, default=State.MISSING)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["submission", "item"]
        verbose_name = _("record")
        verbose_name_plural = _("records checklist")
        constraints = [
            models.UniqueConstraint(fields=["submission", "item"], name="recorditem_unique_per_submission"),
            models.CheckConstraint(
                condition=Q(state__in=["missing", "received", "not_needed"]), name="recorditem_state_valid"
            ),
        ]

    def __str__(self):
        return self.get_item_display()


class Attachment(models.Model):
    """A document that came with a submission. The file lives under a server-made name."""

    class Source(models.TextChoices):
        FORM = "form", _("With the form")
        RECORDS_LINK = "records_link", _("Through a records link")
        COORDINATOR = "coordinator", _("Added by a coordinator (fax or email)")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    source = models.CharField(_("how it arrived"), max_length=20, choices=Source, default=Source.FORM)
    record_item = models.CharField(_("record"), max_length=20, choices=RecordItem.Item, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(storage=private_storage, upload_to="documents/%Y/%m/", max_length=255)
    original_name = models.CharField(_("file name as sent"), max_length=255)
    content_type = models.CharField(_("detected type"), max_length=50)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # FHIR's Attachment.hash is SHA-1: kept beside the SHA-256 so an export never reads the file back.
    sha1 = models.CharField(_("SHA-1"), max_length=40, blank=True)
    # When what is stored differs from what was sent (a photo's location metadata removed): the sent file's SHA-256.
    original_sha256 = models.CharField(_("SHA-256 of the file as sent"), max_length=64, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self):
        return f"{self.submission_id}-{self.pk}"
