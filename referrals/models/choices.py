"""The choices of a Submission's kind, status, stage, urgency and language.

Use them as ``Submission.Kind``, ``.Status``, ``.Stage``, ``.Urgency`` and
``.Language``. They live at module level only because ``Submission.Meta``'s
constraints (a separate class scope) must reach them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmissionKind(models.TextChoices):
    REFERRAL = "referral", _("Physician referral")
    SECOND_OPINION = "second_opinion", _("New patient or second opinion")
    EXISTING_PATIENT = "existing_patient", _("Existing patient message")


class SubmissionStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_REVIEW = "in_review", _("In review")
    AWAITING_RECORDS = "awaiting_records", _("Awaiting records")
    ACCEPTED = "accepted", _("Accepted: consult scheduled")
    DECLINED = "declined", _("Declined")
    CLOSED = "closed", _("Closed (withdrawn)")
    ANSWERED = "answered", _("Answered")  # existing-patient messages only


class SubmissionStage(models.TextChoices):
    """What families and referrers see (status page, status notices): plain words, never a decline reason."""

    RECEIVED = "received", _("Received")
    REVIEWING = "reviewing", _("A coordinator is reviewing it")
    AWAITING_RECORDS = "awaiting_records", _("Waiting for records")
    DECIDED = "decided", _("Decision made")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


STAGE_OF_STATUS = {
    SubmissionStatus.NEW: SubmissionStage.RECEIVED,
    SubmissionStatus.IN_REVIEW: SubmissionStage.REVIEWING,
    SubmissionStatus.AWAITING_RECORDS: SubmissionStage.AWAITING_RECORDS,
    SubmissionStatus.ACCEPTED: SubmissionStage.DECIDED,
    SubmissionStatus.DECLINED: SubmissionStage.DECIDED,
    SubmissionStatus.CLOSED: SubmissionStage.CLOSED,
    SubmissionStatus.ANSWERED: SubmissionStage.ANSWERED,
}


class SubmissionUrgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent")


class SubmissionLanguage(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")
