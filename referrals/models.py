"""
What arrives through the public forms, and what coordinators do with it.

One ``Submission`` table holds all three kinds (referral, second opinion,
existing patient) so there is one queue. Its ``reference`` is the only identity
people see: ``__str__`` returns it, so no patient name reaches the admin's log.

``StatusChange``, ``Note`` and ``AccessLog`` are append-only.
``Notification`` is the email outbox.
"""

import os
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from referrals import business_days
from referrals.business_days import add_business_days, business_days_between

# The staff group whose members triage submissions (created by migration 0002).
COORDINATORS_GROUP = "Coordinators"


class PrivateStorage(FileSystemStorage):
    """Uploaded documents: a folder no URL serves (``PRIVATE_MEDIA_ROOT``).

    The location is read from settings on every use, so a test can point it at
    a temporary folder. ``base_url`` is None: ``file.url`` raises, on purpose.
    """

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    @property
    def file_permissions_mode(self):
        return 0o600

    @property
    def directory_permissions_mode(self):
        return 0o700


private_storage = PrivateStorage()


def age_on(dob: date, on: date) -> int:
    """Age in whole years on a given date."""
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def private_storage_callable():
    return private_storage


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


class SubmissionUrgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent")


class SubmissionLanguage(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")


def _local_midnight_after(day: date) -> datetime:
    """The first instant of the day after ``day`` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


class SubmissionQuerySet(models.QuerySet):
    """The coordinators' reads: the open queue, what is overdue, who owns what."""

    def open(self):
        return self.filter(status__in=_OPEN_STATUSES)

    def assigned_to(self, user):
        return self.filter(assigned_to=user)

    def unassigned(self):
        return self.filter(assigned_to__isnull=True)

    @staticmethod
    def overdue_q(today=None):
        """Open, and past a promise: first contact not made in time, or no decision in time after records arrived.

        Business days become plain datetime comparisons: anything received on or
        before the last start date already due is overdue (see business_days).
        """
        today = today or timezone.localdate()
        contact_cutoff = _local_midnight_after(
            business_days.last_start_already_due(today, settings.FIRST_CONTACT_BUSINESS_DAYS)
        )
        review_cutoff = _local_midnight_after(
            business_days.last_start_already_due(today, settings.REVIEW_BUSINESS_DAYS)
        )
        return Q(status__in=_OPEN_STATUSES) & (
            Q(first_contacted_at__isnull=True, received_at__lt=contact_cutoff)
            | Q(records_completed_at__lt=review_cutoff)
        )

    def overdue(self, today=None):
        return self.filter(self.overdue_q(today))

    def not_overdue(self, today=None):
        return self.exclude(self.overdue_q(today))

    def with_duplicate_flag(self):
        """``is_likely_duplicate``: another open submission has the same patient name (any case) and date of birth."""
        others = (
            Submission.objects.open()
            .annotate(upper_name=Upper("patient_name"))
            .filter(upper_name=Upper(OuterRef("patient_name")), patient_dob=OuterRef("patient_dob"))
            .exclude(pk=OuterRef("pk"))
        )
        return self.annotate(is_likely_duplicate=Exists(others))

    def for_queue(self, today=None):
        """Annotations for the coordinators' list: duplicate flag, overdue flag, and the default order.

        Urgent open submissions first, then overdue ones, then the rest of the
        open queue, then closed ones; the oldest first within each group.
        """
        open_q = Q(status__in=_OPEN_STATUSES)
        return (
            self.with_duplicate_flag()
            .annotate(
                is_overdue=Case(When(self.overdue_q(today), then=Value(True)), default=Value(False)),
                urgent_rank=Case(When(open_q & Q(urgency=SubmissionUrgency.URGENT), then=Value(0)), default=Value(1)),
                open_rank=Case(When(open_q, then=Value(0)), default=Value(1)),
            )
            .order_by("urgent_rank", "-is_overdue", "open_rank", "received_at", "pk")
        )


_OPEN_STATUSES = (SubmissionStatus.NEW, SubmissionStatus.IN_REVIEW, SubmissionStatus.AWAITING_RECORDS)


class Submission(models.Model):
    Kind = SubmissionKind
    Status = SubmissionStatus
    Urgency = SubmissionUrgency
    Language = SubmissionLanguage

    # Which status may follow which. The workflow functions enforce this.
    TRANSITIONS = {
        Status.NEW: {Status.IN_REVIEW, Status.AWAITING_RECORDS, Status.DECLINED, Status.CLOSED},
        Status.IN_REVIEW: {Status.AWAITING_RECORDS, Status.ACCEPTED, Status.DECLINED, Status.CLOSED},
        Status.AWAITING_RECORDS: {Status.IN_REVIEW, Status.ACCEPTED, Status.DECLINED, Status.CLOSED},
        Status.ACCEPTED: {Status.CLOSED},
        Status.DECLINED: set(),
        Status.CLOSED: set(),
    }
    OPEN_STATUSES = (Status.NEW, Status.IN_REVIEW, Status.AWAITING_RECORDS)

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

    class Diagnosis(models.TextChoices):
        B_ALL = "b_all", _("B-cell acute lymphoblastic leukemia (B-ALL)")
        B_LYMPHOMA = "b_lymphoma", _("B-cell lymphoma")
        OTHER = "other", _("Other")
        UNSURE = "unsure", _("Not sure")

    class DiseaseStatus(models.TextChoices):
        FIRST_RELAPSE = "first_relapse", _("First relapse")
        SECOND_RELAPSE = "second_relapse", _("Second or later relapse")
        REFRACTORY = "refractory", _("Refractory (did not respond to treatment)")
        MRD_POSITIVE = "mrd_positive", _("MRD-positive")

    class CD19Status(models.TextChoices):
        POSITIVE = "positive", _("CD19 positive")
        NEGATIVE = "negative", _("CD19 negative")
        DIM = "dim", _("CD19 dim or partial")
        UNKNOWN = "unknown", _("Not known")

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
    diagnosis = models.CharField(_("diagnosis"), max_length=20, choices=Diagnosis, blank=True)
    diagnosis_other = models.CharField(_("other diagnosis"), max_length=200, blank=True)
    disease_status = models.CharField(_("disease status"), max_length=20, choices=DiseaseStatus, blank=True)
    cd19_status = models.CharField(_("CD19 status"), max_length=10, choices=CD19Status, blank=True)
    prior_cd19_therapy = models.BooleanField(_("prior CD19-directed therapy"), default=False)
    prior_cd19_therapy_date = models.DateField(_("date of CD19-directed therapy"), null=True, blank=True)
    prior_car_t = models.BooleanField(_("prior CAR T-cell therapy"), default=False)
    prior_car_t_date = models.DateField(_("date of CAR T-cell therapy"), null=True, blank=True)
    prior_transplant = models.BooleanField(_("prior stem-cell transplant"), default=False)
    prior_transplant_date = models.DateField(_("date of stem-cell transplant"), null=True, blank=True)
    current_treatment = models.TextField(_("current treatment"), max_length=4000, blank=True)

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
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    consult_date = models.DateField(_("consult date"), null=True, blank=True)
    decline_reason = models.CharField(_("decline reason"), max_length=20, choices=DeclineReason, blank=True)

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
        ]

    def __str__(self):
        return self.reference  # never a patient's name: __str__ ends up in the admin log

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

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

    def can_transition_to(self, status):
        return status in self.TRANSITIONS.get(self.status, set())

    # --- Coordinators' clocks and checklist (see referrals.business_days) ---

    def first_contact_due(self):
        """The local date by which the family must be contacted (FIRST_CONTACT_BUSINESS_DAYS after receipt)."""

        return add_business_days(timezone.localdate(self.received_at), settings.FIRST_CONTACT_BUSINESS_DAYS)

    def review_due(self):
        """The local date by which a decision is due (REVIEW_BUSINESS_DAYS after records complete), or None."""

        if self.records_completed_at is None:
            return None
        return add_business_days(timezone.localdate(self.records_completed_at), settings.REVIEW_BUSINESS_DAYS)

    def business_days_waiting(self, today=None):

        return business_days_between(timezone.localdate(self.received_at), today or timezone.localdate())

    def due_state(self, today=None):
        """``(state, due date)`` for the queue's badge: state is "overdue", "due_today", "due" or "" (nothing due)."""
        today = today or timezone.localdate()
        if not self.is_open:
            return "", None
        due = None
        if self.first_contacted_at is None:
            due = self.first_contact_due()
        review = self.review_due()
        if review is not None and (due is None or review < due):
            due = review
        if due is None:
            return "", None
        if due < today:
            return "overdue", due
        if due == today:
            return "due_today", due
        return "due", due

    def record_states(self):
        """``{item: state}`` for every checklist item; an item without a row is missing.

        Uses the prefetched ``record_items`` when present (no extra query per row).
        """
        states = dict.fromkeys(RecordItem.Item.values, RecordItem.State.MISSING)
        for record in self.record_items.all():
            states[record.item] = record.state
        return states

    @property
    def records_complete(self):
        """Derived from the checklist: complete when no item is missing."""
        return RecordItem.State.MISSING not in self.record_states().values()


class Attachment(models.Model):
    """A document a submitter uploaded. The file lives under a server-made name."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=private_storage_callable, upload_to="documents/%Y/%m/", max_length=255)
    original_name = models.CharField(_("file name as sent"), max_length=255)
    content_type = models.CharField(_("detected type"), max_length=50)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self):
        return f"{self.submission_id}-{self.pk}"


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


class StatusChange(models.Model):
    """History: every change a coordinator makes (status, assignment, contact, records). Append-only."""

    class Action(models.TextChoices):
        STATUS = "status", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        CONTACTED = "contacted", _("Family contacted")
        RECORDS = "records", _("Records checklist")

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
        if self.action == self.Action.STATUS and value in SubmissionStatus.values:
            return str(SubmissionStatus(value).label)
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

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    username = models.CharField(_("user name"), max_length=150)
    at = models.DateTimeField(_("when (UTC)"), default=timezone.now, db_index=True)
    submission = models.ForeignKey(Submission, null=True, blank=True, on_delete=models.PROTECT)
    object_repr = models.CharField(_("object"), max_length=200)
    action = models.CharField(_("action"), max_length=10, choices=Action)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self):
        return f"{self.username} {self.action} {self.object_repr}"


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
