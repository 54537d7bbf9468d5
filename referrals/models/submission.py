"""``Submission``: one table for the three kinds, so there is one queue. ``reference`` is its only public identity."""

from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from referrals.models.choices import (
    STAGE_OF_STATUS,
    SubmissionKind,
    SubmissionLanguage,
    SubmissionStage,
    SubmissionStatus,
    SubmissionUrgency,
)
from referrals.models.clocks import SubmissionClocks
from referrals.models.prescreen import PreScreen
from referrals.models.queryset import SubmissionQuerySet
from referrals.roles import COORDINATORS_GROUP


class _PrivateStorage(LazyObject):
    """``STORAGES["private"]``, looked up on first use: the storage is a setting, never a subclass here."""

    def _setup(self):
        self._wrapped = storages["private"]


_private_storage = _PrivateStorage()


def private_storage():
    """Where uploaded documents live: ``STORAGES["private"]`` (by default a folder no URL serves)."""
    return _private_storage


# The statuses of the open queue: the coordinators' default list, and the condition of its partial indexes
# (a few percent of all submissions, so those indexes stay small however long the history grows).
_OPEN_STATUSES = (SubmissionStatus.NEW, SubmissionStatus.IN_REVIEW, SubmissionStatus.AWAITING_RECORDS)


def age_on(dob: date, on: date) -> int:
    """Age in whole years on a given date."""
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


class Submission(PreScreen, SubmissionClocks, models.Model):
    Kind = SubmissionKind
    Status = SubmissionStatus
    Stage = SubmissionStage
    Urgency = SubmissionUrgency
    Language = SubmissionLanguage

    # Which status may follow which. The workflow functions enforce this (see ``allowed_transitions``).
    TRANSITIONS = {
        Status.NEW: {Status.IN_REVIEW, Status.AWAITING_RECORDS, Status.DECLINED, Status.CLOSED},
        Status.IN_REVIEW: {Status.AWAITING_RECORDS, Status.ACCEPTED, Status.DECLINED, Status.CLOSED},
        Status.AWAITING_RECORDS: {Status.IN_REVIEW, Status.ACCEPTED, Status.DECLINED, Status.CLOSED},
        Status.ACCEPTED: {Status.CLOSED},
        Status.DECLINED: set(),
        Status.CLOSED: set(),
        Status.ANSWERED: set(),
    }
    # An existing patient's message is answered (or withdrawn); it is never accepted, declined or waiting for records.
    MESSAGE_TRANSITIONS = {
        Status.NEW: {Status.IN_REVIEW, Status.ANSWERED, Status.CLOSED},
        Status.IN_REVIEW: {Status.ANSWERED, Status.CLOSED},
        Status.ANSWERED: set(),
        Status.CLOSED: set(),
    }
    OPEN_STATUSES = _OPEN_STATUSES
    DECIDED_STATUSES = (Status.ACCEPTED, Status.DECLINED, Status.CLOSED, Status.ANSWERED)

    class DeclineReason(models.TextChoices):
        NOT_ELIGIBLE = "not_eligible", _("Not eligible")
        OTHER_PROGRAM = "other_program", _("Referred to another program")
        FAMILY_DECLINED = "family_declined", _("Family declined")
        DUPLICATE = "duplicate", _("Duplicate")
        OTHER = "other", _("Other")

    class SubmitterRole(models.TextChoices):
        CLINICIAN = "clinician", _("Referring clinician or their staff")
        PARENT = "parent", _("Parent or legal guardian")
        ADULT_PATIENT = "adult_patient", _("The patient (18 or older)")
        OTHER = "other", _("Someone else")

    class ContactMethod(models.TextChoices):
        PHONE = "phone", _("Phone call")
        TEXT = "text", _("Text message")
        EMAIL = "email", _("Email")

    class ContactTime(models.TextChoices):
        ANY = "any", _("Any time")
        MORNING = "morning", _("Morning (8 am to noon)")
        AFTERNOON = "afternoon", _("Afternoon (noon to 5 pm)")
        EVENING = "evening", _("Early evening (5 pm to 7 pm)")

    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other or intersex")
        UNKNOWN = "unknown", _("Prefer not to say")

    class Topic(models.TextChoices):
        APPOINTMENT = "appointment", _("Appointments")
        SYMPTOMS = "symptoms", _("A question about symptoms or care")
        MEDICATION = "medication", _("Medicines or prescriptions")
        RESULTS = "results", _("Test results")
        RECORDS = "records", _("Medical records")
        BILLING = "billing", _("Billing or insurance")
        OTHER = "other", _("Something else")

    # Identity and idempotency
    reference = models.CharField(_("reference"), max_length=13, unique=True, editable=False)
    confirmation_token = models.CharField(max_length=64, unique=True, editable=False)
    form_token = models.CharField(
        max_length=64,
        unique=True,
        editable=False,
        help_text=_("One-time token from the form; a replayed POST finds the same submission."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, db_index=True)
    language = models.CharField(_("language of the form"), max_length=5, choices=Language, default=Language.ENGLISH)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)

    # Urgency (referrals choose; other kinds are routine)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency, default=Urgency.ROUTINE)
    urgent_reason = models.TextField(_("reason it is urgent"), max_length=2000, blank=True)

    # Who filled it in, and how to reach the family
    submitter_role = models.CharField(_("filled in by"), max_length=20, choices=SubmitterRole)
    submitter_relationship = models.CharField(_("relationship to the patient"), max_length=100, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_phone = PhoneNumberField(_("contact phone"), blank=True)
    contact_email = models.EmailField(_("contact email"), max_length=254, blank=True)
    preferred_contact_method = models.CharField(
        _("preferred contact method"), max_length=10, choices=ContactMethod, blank=True
    )
    preferred_contact_time = models.CharField(
        _("best time to call"), max_length=10, choices=ContactTime, default=ContactTime.ANY
    )
    preferred_language = models.CharField(_("preferred language"), max_length=100, blank=True)
    interpreter_needed = models.BooleanField(_("interpreter needed"), default=False)

    # The patient
    patient_name = models.CharField(_("patient name"), max_length=200)
    patient_dob = models.DateField(_("patient date of birth"))
    patient_sex = models.CharField(_("patient sex"), max_length=10, choices=Sex, blank=True)
    medical_record_number = models.CharField(_("medical record number"), max_length=50, blank=True)

    # Referring clinician (referrals)
    referrer_name = models.CharField(_("referring clinician"), max_length=200, blank=True)
    referrer_credentials = models.CharField(_("credentials"), max_length=50, blank=True)
    referrer_npi = models.CharField(_("NPI"), max_length=10, blank=True, db_index=True)
    referrer_practice = models.CharField(_("practice or hospital"), max_length=200, blank=True)
    referrer_phone = PhoneNumberField(_("clinician phone"), blank=True)
    referrer_fax = PhoneNumberField(_("clinician fax"), blank=True)
    referrer_email = models.EmailField(_("clinician email"), max_length=254, blank=True)

    # Current care team (second opinion)
    current_hospital = models.CharField(_("current hospital"), max_length=200, blank=True)
    current_oncologist = models.CharField(_("current oncologist"), max_length=200, blank=True)
    oncologist_phone = PhoneNumberField(_("oncologist phone"), blank=True)
    oncologist_email = models.EmailField(_("oncologist email"), max_length=254, blank=True)

    # Insurance
    insurance_payer = models.CharField(_("insurance company"), max_length=200, blank=True)
    insurance_member_id = models.CharField(_("member ID"), max_length=64, blank=True)

    # Free text: what the family wants (second opinion) or their message (existing patient)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic, blank=True)
    message = models.TextField(_("message"), max_length=4000, blank=True)

    # Attestations
    family_aware = models.BooleanField(_("family knows about this referral"), default=False)
    consent_to_contact = models.BooleanField(_("consent to be contacted"), default=False)
    not_emergency_acknowledged = models.BooleanField(_("understands this is not for emergencies"), default=False)

    # Coordinators' work
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.NEW, db_index=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned coordinator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_submissions",
    )
    first_contacted_at = models.DateTimeField(_("first contacted"), null=True, blank=True)
    records_completed_at = models.DateTimeField(_("records complete since"), null=True, blank=True)
    records_requested_at = models.DateTimeField(_("records requested"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    consult_date = models.DateField(_("consult date"), null=True, blank=True)
    decline_reason = models.CharField(_("decline reason"), max_length=20, choices=DeclineReason, blank=True)
    status_notices = models.BooleanField(
        _("email status notices"),
        default=True,
        help_text=_(
            "Email the sender (and the referring clinician) when the stage changes. Turn off if they asked for phone only."
        ),
    )

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        permissions = [
            ("export_submission", _("Can export submissions")),
            ("download_attachment", _("Can download submitted documents")),
            ("view_dashboard", _("Can see the intake dashboard")),
        ]
        indexes = [
            models.Index(fields=["patient_name", "patient_dob"], name="submission_patient_idx"),
            models.Index(fields=["status", "received_at"], name="submission_status_recv_idx"),
            # The open queue (the admin's default list), its count and its "received" filter: a partial index,
            # so neither grows with the closed history. Closed-only lists use received_at's own index.
            models.Index(
                fields=["received_at"], name="submission_open_recv_idx", condition=Q(status__in=_OPEN_STATUSES)
            ),
            # The open queue's page (SubmissionQuerySet.page_pks): each part of its order (urgent or not, overdue or
            # not) in received order, read from the index alone (the overdue rule's columns are included), so a page
            # costs the same at ten thousand submissions as at a million.
            models.Index(
                fields=["urgency", "received_at", "id"],
                include=["status", "first_contacted_at", "records_completed_at", "records_requested_at"],
                name="submission_open_queue_idx",
                condition=Q(status__in=_OPEN_STATUSES),
            ),
            # The dashboard's medians (selectors.dashboard_figures): who was first contacted, or decided, since a
            # date, with when they arrived. Partial, so a new submission (neither yet) adds nothing to them.
            models.Index(
                fields=["first_contacted_at"],
                include=["received_at"],
                name="submission_contacted_idx",
                condition=Q(first_contacted_at__isnull=False),
            ),
            models.Index(
                fields=["decided_at"],
                include=["received_at"],
                name="submission_decided_idx",
                condition=Q(decided_at__isnull=False),
            ),
            # The likely-duplicate flag (SubmissionQuerySet._open_for_patient): UPPER(patient_name) = ... AND
            # patient_dob = ... among open submissions. The trigram index would answer the equality, slowly.
            models.Index(
                Upper("patient_name"),
                "patient_dob",
                name="submission_open_patient_idx",
                condition=Q(status__in=_OPEN_STATUSES),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SubmissionKind.values), name="submission_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=SubmissionStatus.values), name="submission_status_valid"),
            models.CheckConstraint(condition=Q(urgency__in=SubmissionUrgency.values), name="submission_urgency_valid"),
            models.CheckConstraint(
                condition=Q(language__in=SubmissionLanguage.values), name="submission_language_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="submission_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="answered") | Q(kind="existing_patient"),
                name="submission_answered_is_a_message",
            ),
        ]

    def __str__(self):
        return self.reference  # never a patient's name: __str__ ends up in the admin log

    def validate_constraints(self, exclude=None):
        """Leave the table's CHECK constraints to the database, which enforces them on every write.

        They hold values the code sets (kind, status, language, a decline's
        reason) or that a form's choice field has already checked (urgency).
        Django would check each again in Python before saving, building a
        query over every field: six of them were a third of a form POST's time.
        """

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    @staticmethod
    def stage_of(status):
        """The plain-language stage families and referrers see for a status."""
        return STAGE_OF_STATUS[status]

    @property
    def stage(self):
        return self.stage_of(self.status)

    def records_recipients(self):
        """``{audience: email}`` a records request can go to: the sender, or the referring (or current) doctor's office."""
        audience = self.records_requests.model.Audience
        if self.kind == self.Kind.REFERRAL:
            candidates = {audience.CLINICIAN: self.referrer_email}
        elif self.kind == self.Kind.SECOND_OPINION:
            candidates = {audience.SUBMITTER: self.contact_email, audience.CLINICIAN: self.oncologist_email}
        else:
            candidates = {}  # an existing patient's message is answered, not reviewed: no records requests
        return {who: email for who, email in candidates.items() if email}

    def notice_recipients(self):
        """``[(audience, email)]`` for status notices: the sender, and for a referral the referring clinician.

        Empty when notices are turned off. One address is never listed twice.
        """
        if not self.status_notices:
            return []
        audience = self.notifications.model.Audience
        if self.kind == self.Kind.REFERRAL:
            candidates = [(audience.CLINICIAN, self.referrer_email)]
        else:
            candidates = [(audience.SUBMITTER, self.contact_email)]
        seen, recipients = set(), []
        for who, email in candidates:
            if email and email.lower() not in seen:
                seen.add(email.lower())
                recipients.append((who, email))
        return recipients

    def patient_age(self, on=None):
        """Age in whole years today (or on a given date)."""
        return age_on(self.patient_dob, on or timezone.localdate())

    @staticmethod
    def assignable_users():
        """Who a submission can be assigned to: active staff in the Coordinators group."""
        return (
            get_user_model()
            .objects.filter(is_active=True, is_staff=True, groups__name=COORDINATORS_GROUP)
            .distinct()
            .order_by("username")
        )

    def allowed_transitions(self):
        """The statuses this submission may move to next (messages from existing patients have their own set)."""
        table = self.MESSAGE_TRANSITIONS if self.kind == self.Kind.EXISTING_PATIENT else self.TRANSITIONS
        return table.get(self.status, set())

    def can_transition_to(self, status):
        return status in self.allowed_transitions()

    # --- The records checklist ---

    def record_states(self):
        """``{item: state}`` for every checklist item; an item without a row is missing.

        Uses the prefetched ``record_items`` when present (no extra query per row).
        """
        RecordItem = self.record_items.model  # noqa: N806 (the model class)
        states = dict.fromkeys(RecordItem.Item.values, RecordItem.State.MISSING)
        for record in self.record_items.all():
            states[record.item] = record.state
        return states

    @property
    def records_complete(self):
        """Derived from the checklist: complete when no item is missing."""
        return self.record_items.model.State.MISSING not in self.record_states().values()
