"""Writing documents to a submission: the one path for files from the forms, records links and coordinators.

Files are written to the private storage under server-made names and their
rows saved in the caller's transaction; the caller removes what was written
(``remove_files``) if the transaction fails, because storage is not rolled back.
"""

import hashlib
import logging
import uuid

from referrals.models import Attachment, private_storage
from referrals.validators import ALLOWED_TYPES, detect_type, validate_file_name, validate_upload

logger = logging.getLogger("referrals.documents")


def store_files(submission, files, written, *, source=Attachment.Source.FORM, record_item="", added_by=None):
    """Save each checked upload as an Attachment of ``submission``; append each storage name to ``written``."""
    attachments = []
    for uploaded in files:
        # The form has already checked each file; check again so every caller is safe.
        mime = getattr(uploaded, "detected_type", None) or validate_upload(uploaded)
        if detect_type(uploaded) != mime:
            raise ValueError("file content changed after validation")
        digest, sha1 = hashlib.sha256(), hashlib.sha1(usedforsecurity=False)
        uploaded.seek(0)
        for chunk in uploaded.chunks():
            digest.update(chunk)
            sha1.update(chunk)
        uploaded.seek(0)
        attachment = Attachment(
            submission=submission,
            source=source,
            record_item=record_item,
            added_by=added_by,
            original_name=validate_file_name(uploaded.name),
            content_type=mime,
            size=uploaded.size,
            sha256=digest.hexdigest(),
            sha1=sha1.hexdigest(),
        )
        # Note the path before writing: a write that fails halfway (disk full) leaves a partial file to remove.
        planned = attachment.file.field.generate_filename(attachment, f"{uuid.uuid4().hex}.{ALLOWED_TYPES[mime]}")
        written.append(planned)
        attachment.file.save(planned.rsplit("/", 1)[-1], uploaded, save=False)
        if attachment.file.name != planned:  # the storage picked another name (it never should: uuid4)
            written.append(attachment.file.name)
        attachment.save()
        attachments.append(attachment)
    return attachments


def remove_files(names):
    for name in names:
        try:
            private_storage().delete(name)
        except OSError:
            logger.warning("could not remove an uploaded file after a failed save")
