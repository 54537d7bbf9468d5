"""Append-only records: the coordinators' history (StatusChange), internal notes, and the access log."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referrals.models.documents import RecordItem
from referrals.models.submission import Submission


class StatusChange(models.Model):
    """History: every change a coordinator makes (status, assignment, contact, records). Append-only."""

    class Action(models.TextChoices):
        STATUS = "status", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        CONTACTED = "contacted", _("Family contacted")
        RECORDS = "records", _("Records checklist")
        NOTICE = "notice", _("Status notice emailed")
        NOTICES = "notices", _("Status notices turned on or off")
        RECORDS_REQUESTED = "records_requested", _("Records requested")
        RECORDS_UPLOADED = "records_uploaded", _("Records received through a link")
        DOCUMENTS_ADDED = "documents_added", _("Documents added by a coordinator")
        LINK_REVOKED = "link_revoked", _("Records link revoked")
        METADATA_REMOVED = "metadata_removed", _("Photo metadata removed")

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="history")
    action = models.CharField(_("action"), max_length=20, choices=Action, default=Action.STATUS)
    from_value = models.CharField(_("from"), max_length=100, blank=True)
    to_value = models.CharField(_("to"), max_length=100, blank=True)
    note = models.TextField(_("note"), max_length=4000, blank=True)
    # PROTECT: the history must keep saying who. Staff who leave are deactivated, not deleted.
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    changed_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("history entry")
        verbose_name_plural = _("history")

    def __str__(self):
        return f"{self.get_action_display()}: {self.from_label} → {self.to_label}"

    def _label(self, value):
        """A stored code as people read it: "in_review" -> "In review", "pathology: received" -> "Pathology report: Received"."""
        if not value:
            return "—"
        if self.action == self.Action.STATUS and value in Submission.Status.values:
            return str(Submission.Status(value).label)
        if self.action == self.Action.NOTICE and value in Submission.Stage.values:
            return str(Submission.Stage(value).label)
        if self.action == self.Action.RECORDS:
            item, _sep, state = value.partition(": ")
            if item in RecordItem.Item.values and state in RecordItem.State.values:
                return f"{RecordItem.Item(item).label}: {RecordItem.State(state).label}"
        return value

    @property
    def from_label(self):
        return self._label(self.from_value)

    @property
    def to_label(self):
        return self._label(self.to_value)


class Note(models.Model):
    """An internal note on a submission. Append-only."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    body = models.TextField(_("note"), max_length=8000)
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self):
        return f"Note {self.pk}"  # never the body: it may hold PHI


class AccessLog(models.Model):
    """Who looked at, downloaded or exported what. Append-only; superusers read it."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        DOWNLOAD = "download", _("Downloaded a document")
        EXPORT = "export", _("Exported")
        FHIR = "fhir", _("Exported as FHIR")
        ATTACH = "attach", _("Added a document")
        CHANGE = "change", _("Changed")
        BACKUP_CODE = "backup_code", _("Signed in with a backup code")
        BACKUP_CODES_MADE = "backup_codes_made", _("Made new backup codes")
        AUTHENTICATOR_REPLACED = "authenticator_new", _("Replaced the authenticator app")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    username = models.CharField(_("user name"), max_length=150)
    at = models.DateTimeField(_("when (UTC)"), default=timezone.now, db_index=True)
    submission = models.ForeignKey(Submission, null=True, blank=True, on_delete=models.PROTECT)
    object_repr = models.CharField(_("object"), max_length=200)
    action = models.CharField(_("action"), max_length=20, choices=Action)
    # What changed, for a change: the step and its coded values ("Status changed: New → In review"), never free text.
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self):
        return f"{self.username} {self.action} {self.object_repr}"


class StatusLookup(models.Model):
    """One lookup on the public status page. Append-only; the date of birth tried is never stored.

    ``reference`` is what was typed, kept only when it has the shape of a
    reference number; ``submission`` is set when the reference and date of birth matched.
    """

    at = models.DateTimeField(_("when (UTC)"), default=timezone.now, db_index=True)
    reference = models.CharField(_("reference tried"), max_length=13, blank=True, db_index=True)
    submission = models.ForeignKey(Submission, null=True, blank=True, on_delete=models.PROTECT)
    found = models.BooleanField(_("matched"), default=False)
    limited = models.BooleanField(_("refused by the rate limit"), default=False)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("status lookup")
        verbose_name_plural = _("status lookups")

    def __str__(self):
        return f"{self.reference or '-'} {'found' if self.found else 'not found'}"
