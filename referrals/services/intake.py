"""Intake: a validated public form becomes a Submission.

``submit`` takes a valid intake form (a ModelForm on Submission) and the files
it checked. One transaction writes the Submission built from the form's
cleaned data (its ``Meta.fields`` are the only fields taken), its Attachments,
its records checklist and its outbox rows; files written before a failure are
removed. The outbox worker sends its emails once it has committed.
"""

import logging
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction

from referrals import selectors
from referrals.models import Notification, RecordItem, Submission
from referrals.services import documents

logger = logging.getLogger("referrals.intake")

# Letters and digits people cannot confuse when reading aloud (no 0/O, 1/I/L).
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_REFERENCE_ATTEMPTS = 8


def new_reference():
    """A reference like ``CIP-7KQ2-9XHD``: easy to read out, impossible to guess (31^8 values)."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _i in range(8))
    return f"CIP-{chars[:4]}-{chars[4:]}"


def submit(*, form, files=(), language="en"):
    """Store what a valid intake form carries, exactly once per form token; return the Submission.

    A replayed token (a double click, a reload, two POSTs at once) returns the
    submission the first one made. The token column is unique, so the insert
    itself finds a replay: the token is looked up only when the insert was
    refused, and a first POST (nearly all of them) pays for no lookup.
    """
    form_token = form.cleaned_data["form_token"]
    for attempt in range(1, _REFERENCE_ATTEMPTS + 1):
        written = []  # storage names of files saved so far, removed if anything fails
        try:
            with transaction.atomic():
                submission = _create_submission(form=form, language=language)
                documents.store_files(submission, files, written, new=True)
                _create_checklist(submission)
                _create_notifications(submission)
            break
        except IntegrityError:
            documents.remove_files(written)
            # A replay, or two POSTs with the same token at once (a double click): the other won.
            existing = selectors.submission_for_form_token(form_token)
            if existing is not None:
                return existing
            if attempt == _REFERENCE_ATTEMPTS:
                raise
            # Otherwise the new reference (or confirmation token) was taken, one chance in billions: try again.
            form.instance.pk = None
        except BaseException:
            documents.remove_files(written)
            raise

    logger.info(
        "submission received reference=%s kind=%s files=%d", submission.reference, submission.kind, len(written)
    )
    return submission


def _create_submission(*, form, language):
    """The Submission the form describes, inserted with a new reference and confirmation token.

    Its own fields only (the form's Meta.fields), as ModelForm.save(commit=False) builds them. No savepoint of
    its own: a refused insert ends the caller's whole transaction, which tries again.
    """
    submission = form.save(commit=False)
    submission.kind = form.kind
    if submission.kind == Submission.Kind.REFERRAL:
        submission.submitter_role = Submission.SubmitterRole.CLINICIAN
    else:
        submission.urgency = Submission.Urgency.ROUTINE
    submission.language = language if language in Submission.Language.values else Submission.Language.ENGLISH
    submission.form_token = form.cleaned_data["form_token"]
    submission.confirmation_token = secrets.token_urlsafe(32)
    submission.set_age_at_submission()
    submission.reference = new_reference()
    submission.save(force_insert=True)
    return submission


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
    submitter_email = (
        submission.referrer_email if submission.kind == Submission.Kind.REFERRAL else submission.contact_email
    )
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
