"""
Every write that matters, in one place. Forms validate; views, admin actions,
buttons and management commands call these functions. Each is atomic, checks
the current state first, and schedules its emails after commit.
"""

import hashlib
import logging
import secrets
import unicodedata
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from referrals import notifications
from referrals.models import (
    AccessLog,
    Attachment,
    Note,
    Notification,
    RecordItem,
    StatusChange,
    Submission,
    private_storage,
)
from referrals.validators import ALLOWED_TYPES, detect_type, validate_file_name, validate_upload

# --- Intake: public submissions ------------------------------------------------
#
# submit_referral / submit_second_opinion / submit_existing_patient take a form's
# cleaned_data and its list of checked files. One transaction writes the
# Submission, its Attachments, its records checklist and its outbox rows; files
# written before a failure are removed. Emails go out after commit.

logger = logging.getLogger("referrals.intake")

# Letters and digits people cannot confuse when reading aloud (no 0/O, 1/I/L).
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_REFERENCE_ATTEMPTS = 8

# Form fields stored on the Submission for each kind (the rest are ignored).
_INTAKE_FIELDS = {
    "referral": (
        "referrer_name",
        "referrer_credentials",
        "referrer_npi",
        "referrer_practice",
        "referrer_phone",
        "referrer_fax",
        "referrer_email",
        "patient_name",
        "patient_dob",
        "patient_sex",
        "diagnosis",
        "diagnosis_other",
        "disease_status",
        "cd19_status",
        "prior_cd19_therapy",
        "prior_cd19_therapy_date",
        "prior_car_t",
        "prior_car_t_date",
        "prior_transplant",
        "prior_transplant_date",
        "current_treatment",
        "urgency",
        "urgent_reason",
        "insurance_payer",
        "insurance_member_id",
        "contact_name",
        "contact_phone",
        "contact_email",
        "preferred_language",
        "interpreter_needed",
        "family_aware",
    ),
    "second_opinion": (
        "submitter_role",
        "submitter_relationship",
        "contact_name",
        "contact_phone",
        "contact_email",
        "preferred_contact_method",
        "preferred_contact_time",
        "preferred_language",
        "interpreter_needed",
        "patient_name",
        "patient_dob",
        "diagnosis",
        "diagnosis_other",
        "current_hospital",
        "current_oncologist",
        "oncologist_phone",
        "oncologist_email",
        "message",
        "insurance_payer",
        "insurance_member_id",
        "consent_to_contact",
        "not_emergency_acknowledged",
    ),
    "existing_patient": (
        "submitter_role",
        "contact_name",
        "patient_name",
        "patient_dob",
        "medical_record_number",
        "topic",
        "message",
        "contact_phone",
        "preferred_contact_time",
        "contact_email",
        "not_emergency_acknowledged",
    ),
}


def new_reference():
    """A reference like ``CIP-7KQ2-9XHD``: easy to read out, impossible to guess (31^8 values)."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _i in range(8))
    return f"CIP-{chars[:4]}-{chars[4:]}"


def find_submission_by_form_token(token):
    """The submission a one-time form token already made, if any (a replayed POST)."""

    if not token:
        return None
    return Submission.objects.filter(form_token=token).only("pk", "confirmation_token").first()


def submit_referral(*, data, files=(), language="en"):
    return _submit(kind="referral", data=data, files=files, language=language)


def submit_second_opinion(*, data, files=(), language="en"):
    return _submit(kind="second_opinion", data=data, files=files, language=language)


def submit_existing_patient(*, data, files=(), language="en"):
    return _submit(kind="existing_patient", data=data, files=files, language=language)


def _submit(*, kind, data, files, language):

    form_token = data["form_token"]
    existing = find_submission_by_form_token(form_token)
    if existing is not None:
        return existing

    written = []  # storage names of files saved so far, removed if anything fails
    try:
        with transaction.atomic():
            submission = _create_submission(kind=kind, data=data, language=language)
            _create_attachments(submission, files, written)
            _create_checklist(submission)
            _create_notifications(submission)
    except IntegrityError:
        _remove_files(written)
        # Two POSTs with the same token at once (a double click): the other won.
        existing = find_submission_by_form_token(form_token)
        if existing is not None:
            return existing
        raise
    except BaseException:
        _remove_files(written)
        raise

    logger.info("submission received reference=%s kind=%s files=%d", submission.reference, kind, len(written))
    # robust: a failure while sending is logged, never turned into an error page after the commit.
    transaction.on_commit(lambda: notifications.send_pending(submission_id=submission.pk), robust=True)
    return submission


def _create_submission(*, kind, data, language):

    fields = {name: data[name] for name in _INTAKE_FIELDS[kind] if name in data}
    for name, value in list(fields.items()):
        if value is None and Submission._meta.get_field(name).get_internal_type() not in ("DateField",):
            fields[name] = ""  # optional text and phone fields are stored blank, not NULL
    if kind == "referral":
        fields["submitter_role"] = Submission.SubmitterRole.CLINICIAN
    if kind != "referral":
        fields["urgency"] = Submission.Urgency.ROUTINE
    if language not in Submission.Language.values:
        language = Submission.Language.ENGLISH
    submission = Submission(
        kind=kind,
        language=language,
        form_token=data["form_token"],
        confirmation_token=secrets.token_urlsafe(32),
        **fields,
    )
    for _attempt in range(_REFERENCE_ATTEMPTS):
        submission.reference = new_reference()
        try:
            with transaction.atomic():
                submission.save(force_insert=True)
            return submission
        except IntegrityError:
            submission.pk = None
            if Submission.objects.filter(form_token=submission.form_token).exists():
                raise  # a replay, not a reference collision: the caller returns the other one
            # Otherwise a reference collision (one in billions): try another.
    raise IntegrityError("could not find a free reference number")


def _create_attachments(submission, files, written):

    for uploaded in files:
        # The form has already checked each file; check again so every caller is safe.
        mime = getattr(uploaded, "detected_type", None) or validate_upload(uploaded)
        if detect_type(uploaded) != mime:
            raise ValueError("file content changed after validation")
        digest = hashlib.sha256()
        uploaded.seek(0)
        for chunk in uploaded.chunks():
            digest.update(chunk)
        uploaded.seek(0)
        attachment = Attachment(
            submission=submission,
            original_name=validate_file_name(uploaded.name),
            content_type=mime,
            size=uploaded.size,
            sha256=digest.hexdigest(),
        )
        # Note the path before writing: a write that fails halfway (disk full) leaves a partial file to remove.
        planned = attachment.file.field.generate_filename(attachment, f"{uuid.uuid4().hex}.{ALLOWED_TYPES[mime]}")
        written.append(planned)
        attachment.file.save(planned.rsplit("/", 1)[-1], uploaded, save=False)
        if attachment.file.name != planned:  # the storage picked another name (it never should: uuid4)
            written.append(attachment.file.name)
        attachment.save()


def _create_checklist(submission):

    RecordItem.objects.bulk_create(
        [RecordItem(submission=submission, item=item, state=RecordItem.State.MISSING) for item in RecordItem.Item]
    )


def _create_notifications(submission):

    rows = [
        Notification(
            submission=submission,
            kind=Notification.Kind.INTAKE_NOTICE,
            to_email=settings.INTAKE_EMAIL,
            language=settings.LANGUAGE_CODE,
        )
    ]
    submitter_email = submission.referrer_email if submission.kind == "referral" else submission.contact_email
    if submitter_email:
        rows.append(
            Notification(
                submission=submission,
                kind=Notification.Kind.SUBMITTER_CONFIRMATION,
                to_email=submitter_email,
                language=submission.language,
            )
        )
    Notification.objects.bulk_create(rows)


def _remove_files(names):

    for name in names:
        try:
            private_storage.delete(name)
        except OSError:
            logger.warning("could not remove an uploaded file after a failed submission")


# --- Coordinators' workflow ------------------------------------------------------
#
# Each step locks the submission row, checks its current state, writes the
# change and its StatusChange history row in one transaction. The admin's change
# form, its actions and its buttons all call these functions, row by row.


class WorkflowError(Exception):
    """A refused workflow step. The message is safe to show (reference numbers only, no PHI)."""


def _locked(submission):

    return Submission.objects.select_for_update().get(pk=submission.pk)


def _sync(target, source, fields):
    # Keep the caller's instance in step with what was saved.
    for field in fields:
        setattr(target, field, getattr(source, field))


@transaction.atomic
def assign(*, submission, to, by):
    """Assign a submission to a coordinator (``to=None`` unassigns)."""

    locked = _locked(submission)
    if locked.assigned_to_id == (to.pk if to else None):
        return locked
    if to is not None and not Submission.assignable_users().filter(pk=to.pk).exists():
        raise WorkflowError(_("%(ref)s: only an active coordinator can be assigned.") % {"ref": locked.reference})
    previous = locked.assigned_to.get_username() if locked.assigned_to_id else ""
    locked.assigned_to = to
    locked.save(update_fields=["assigned_to"])
    StatusChange.objects.create(
        submission=locked,
        action=StatusChange.Action.ASSIGNED,
        from_value=previous,
        to_value=to.get_username() if to else "",
        changed_by=by,
    )
    _sync(submission, locked, ["assigned_to"])
    return locked


@transaction.atomic
def mark_contacted(*, submission, by, note="", at=None):
    """Record a contact with the family. The first one sets ``first_contacted_at``; later ones only add history."""

    locked = _locked(submission)
    at = at or timezone.now()
    previous = locked.first_contacted_at
    if previous is None:
        locked.first_contacted_at = at
        locked.save(update_fields=["first_contacted_at"])
    StatusChange.objects.create(
        submission=locked,
        action=StatusChange.Action.CONTACTED,
        from_value=previous.isoformat() if previous else "",
        to_value=at.isoformat(),
        note=note,
        changed_by=by,
        changed_at=at,
    )
    _sync(submission, locked, ["first_contacted_at"])
    return locked


@transaction.atomic
def transition(*, submission, to_status, by, note="", decline_reason="", consult_date=None):
    """Move a submission to another status, if ``Submission.TRANSITIONS`` allows it.

    Declining needs a reason; accepting needs the consult date. A refused step
    raises WorkflowError and changes nothing.
    """

    locked = _locked(submission)
    if to_status not in Submission.Status.values:
        raise WorkflowError(_("%(ref)s refused: unknown status.") % {"ref": locked.reference})
    if not locked.can_transition_to(to_status):
        raise WorkflowError(
            _("%(ref)s refused: cannot go from %(from)s to %(to)s.")
            % {
                "ref": locked.reference,
                "from": Submission.Status(locked.status).label.lower(),
                "to": Submission.Status(to_status).label.lower(),
            }
        )
    fields = ["status"]
    if to_status == Submission.Status.DECLINED:
        if decline_reason not in Submission.DeclineReason.values:
            raise WorkflowError(_("%(ref)s refused: declining needs a reason.") % {"ref": locked.reference})
        locked.decline_reason = decline_reason
        fields.append("decline_reason")
    if to_status == Submission.Status.ACCEPTED:
        if consult_date is None:
            raise WorkflowError(_("%(ref)s refused: accepting needs the consult date.") % {"ref": locked.reference})
        locked.consult_date = consult_date
        fields.append("consult_date")
    if to_status in (Submission.Status.ACCEPTED, Submission.Status.DECLINED, Submission.Status.CLOSED):
        if locked.decided_at is None:
            locked.decided_at = timezone.now()
            fields.append("decided_at")
    previous = locked.status
    locked.status = to_status
    locked.save(update_fields=fields)
    extra = ""
    if to_status == Submission.Status.DECLINED:
        extra = str(Submission.DeclineReason(decline_reason).label)
    elif to_status == Submission.Status.ACCEPTED:
        extra = str(_("Consult on %(date)s") % {"date": consult_date.isoformat()})
    StatusChange.objects.create(
        submission=locked,
        action=StatusChange.Action.STATUS,
        from_value=previous,
        to_value=to_status,
        note="\n".join(part for part in (extra, note) if part),
        changed_by=by,
    )
    _sync(submission, locked, fields)
    return locked


@transaction.atomic
def add_note(*, submission, body, by):
    """Append an internal note. Notes are never edited or deleted."""

    body = (body or "").strip()
    if not body:
        raise WorkflowError(_("A note cannot be empty."))
    return Note.objects.create(submission=submission, body=body, author=by)


@transaction.atomic
def set_record_item(*, submission, item, state, by):
    """Mark one line of the records checklist; keeps ``records_completed_at`` in step (it starts the review clock)."""

    if item not in RecordItem.Item.values or state not in RecordItem.State.values:
        raise WorkflowError(_("Unknown record or state."))
    locked = _locked(submission)
    record, created = RecordItem.objects.get_or_create(
        submission=locked, item=item, defaults={"state": state, "updated_by": by}
    )
    previous = RecordItem.State.MISSING if created else record.state
    if previous == state:
        return record
    if not created:
        record.state = state
        record.updated_by = by
        record.save(update_fields=["state", "updated_by", "updated_at"])
    StatusChange.objects.create(
        submission=locked,
        action=StatusChange.Action.RECORDS,
        from_value=f"{item}: {previous}",
        to_value=f"{item}: {state}",
        changed_by=by,
    )
    complete = locked.records_complete  # fresh query: the row just changed
    if complete and locked.records_completed_at is None:
        locked.records_completed_at = timezone.now()
        locked.save(update_fields=["records_completed_at"])
    elif not complete and locked.records_completed_at is not None:
        locked.records_completed_at = None
        locked.save(update_fields=["records_completed_at"])
    _sync(submission, locked, ["records_completed_at"])
    return record


def record_access(*, user, action, submissions=(), object_repr="", client_ip=None):
    """Write AccessLog rows: one per submission, or one for ``object_repr`` alone. Never a URL or query string."""

    now = timezone.now()
    username = user.get_username() if user is not None else ""
    rows = [
        AccessLog(
            user=user,
            username=username,
            at=now,
            submission=submission,
            object_repr=object_repr or submission.reference,
            action=action,
            client_ip=client_ip,
        )
        for submission in submissions
    ]
    if not rows:
        rows = [
            AccessLog(user=user, username=username, at=now, object_repr=object_repr, action=action, client_ip=client_ip)
        ]
    return AccessLog.objects.bulk_create(rows)


# Cells a spreadsheet would read as a formula (or a DDE payload) get a leading quote.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")

EXPORT_COLUMNS = [
    ("reference", _("Reference")),
    ("get_kind_display", _("Kind")),
    ("get_status_display", _("Status")),
    ("get_urgency_display", _("Urgency")),
    ("received_at", _("Received")),
    ("assigned_to", _("Assigned coordinator")),
    ("patient_name", _("Patient name")),
    ("patient_dob", _("Patient date of birth")),
    ("get_diagnosis_display", _("Diagnosis")),
    ("referrer_name", _("Referring clinician")),
    ("referrer_npi", _("NPI")),
    ("contact_name", _("Contact name")),
    ("contact_phone", _("Contact phone")),
    ("contact_email", _("Contact email")),
    ("get_language_display", _("Language of the form")),
    ("interpreter_needed", _("Interpreter needed")),
    ("first_contacted_at", _("First contacted")),
    ("consult_date", _("Consult date")),
    ("get_decline_reason_display", _("Decline reason")),
]


def csv_safe(value):
    """A cell value as text, neutralized so a spreadsheet never runs it as a formula.

    Spreadsheets skip leading spaces and read full-width signs as their ASCII
    twins, so the first visible character is judged after NFKC normalization.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA_PREFIXES) or unicodedata.normalize("NFKC", text).lstrip().startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text


def export_rows(submissions):
    """Header, then one row per submission, every cell neutralized. A generator: the export is streamed."""
    yield [csv_safe(label) for _attr, label in EXPORT_COLUMNS]
    for submission in submissions:
        row = []
        for attr, _label in EXPORT_COLUMNS:
            value = getattr(submission, attr)
            if callable(value):
                value = value()
            if attr == "assigned_to":
                value = value.get_username() if value else ""
            row.append(csv_safe(value))
        yield row
