"""Writing documents to a submission: the one path for files from the forms, records links and coordinators.

Files are written to the private storage under server-made names and their
rows saved in the caller's transaction; the caller removes what was written
(``remove_files``) if the transaction fails, because storage is not rolled back.

Photos are saved again before they are stored: a phone photo's EXIF can hold
where it was taken (GPS), the phone's make and serial, and the time, none of
which coordinators need and all of which would leave the building with every
download. Only the pixels (turned upright as the EXIF said), the colour profile
and the print resolution are kept; saving again also drops anything hidden
after the image data. The sent file's SHA-256 stays on the Attachment and in a
history row, so what the family sent can still be matched. PDFs are stored
byte for byte.
"""

import hashlib
import io
import logging
import math
import uuid

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import ExifTags, ImageOps

from core.backup import walk
from core.outages import ServiceUnavailable
from referrals.file_structure import decode_image
from referrals.models import Attachment, StatusChange, private_storage
from referrals.validators import ALLOWED_TYPES, detect_type, display_name, validate_file_name, validate_upload

logger = logging.getLogger("referrals.documents")

JPEG_QUALITY = 95  # visually the same as the photo sent; a phone saves at about 90
TYPE_LABELS = {"application/pdf": "PDF", "image/png": "PNG image", "image/jpeg": "JPEG image"}


def store_files(submission, files, written, *, source=Attachment.Source.FORM, record_item="", added_by=None, new=False):
    """Save each checked upload as an Attachment of ``submission``; append each storage name to ``written``.

    An image whose stored bytes differ from the sent ones gets a METADATA_REMOVED
    history row, in the caller's transaction, naming it by its position among the
    submission's documents (a file name can contain a patient's name). ``new``: the
    submission was made in this transaction, so it has no documents yet (no query to count them).
    """
    if not files:
        return []
    attachments = []
    position = 0 if new else submission.attachments.count()
    for uploaded in files:
        # The form has already checked each file; check again so every caller is safe.
        mime = getattr(uploaded, "detected_type", None) or validate_upload(uploaded)
        if detect_type(uploaded) != mime:
            raise ValueError("file content changed after validation")
        position += 1
        uploaded.seek(0)
        sent_sha256, sent_sha1 = _digests(uploaded.chunks())
        uploaded.seek(0)
        content, cleaning = uploaded, None
        if mime != "application/pdf":
            content, cleaning = _without_metadata(uploaded, mime)
        sha256, sha1 = _digests([content.read()]) if cleaning else (sent_sha256, sent_sha1)
        content.seek(0)
        changed = sha256 != sent_sha256
        attachment = Attachment(
            submission=submission,
            source=source,
            record_item=record_item,
            added_by=added_by,
            original_name=validate_file_name(uploaded.name),
            content_type=mime,
            size=content.size,
            sha256=sha256,
            sha1=sha1,
            original_sha256=sent_sha256 if changed else "",
        )
        # Note the path before writing: a write that fails halfway (disk full) leaves a partial file to remove.
        planned = attachment.file.field.generate_filename(attachment, f"{uuid.uuid4().hex}.{ALLOWED_TYPES[mime]}")
        written.append(planned)
        try:
            attachment.file.save(planned.rsplit("/", 1)[-1], content, save=False)
        except Exception as exc:  # a full disk, an unreachable or failing bucket: an outage, answered 503
            raise ServiceUnavailable("document storage") from exc
        if attachment.file.name != planned:  # the storage picked another name (it never should: uuid4)
            written.append(attachment.file.name)
        attachment.save()
        attachments.append(attachment)
        if changed:
            StatusChange.objects.create(
                submission=submission,
                action=StatusChange.Action.METADATA_REMOVED,
                to_value=f"Document {position}",
                note=_cleaning_note(position, mime, cleaning, sent_sha256),
                changed_by=added_by,
            )
        uploaded.seek(0)
    return attachments


def remove_files(names):
    for name in names:
        try:
            private_storage().delete(name)
        except Exception:  # OSError on disk; botocore's errors (not OSErrors) on object storage
            logger.warning("could not remove an uploaded file after a failed save", exc_info=True)


def remove_orphans(*, older_than):
    """Delete stored documents that no row names, written more than ``older_than`` (a timedelta) ago.

    A process killed between writing a document and committing its row (a
    SIGKILL, a machine lost) leaves the file behind with no one to remove it;
    this sweep (``manage.py remove_orphan_files``, hourly in production) does.
    The age guard leaves alone files whose request may still be committing.
    Returns the names removed.
    """
    storage = private_storage()
    cutoff = timezone.now() - older_than
    names = walk(storage, "documents")
    named = set()
    for start in range(0, len(names), 500):
        batch = names[start : start + 500]
        named.update(Attachment.objects.filter(file__in=batch).values_list("file", flat=True))
    removed = []
    for name in names:
        if name not in named and storage.get_modified_time(name) < cutoff:
            storage.delete(name)
            removed.append(name)
    logger.info("orphan documents removed count=%d", len(removed))
    return removed


def _digests(chunks):
    sha256, sha1 = hashlib.sha256(), hashlib.sha1(usedforsecurity=False)
    for chunk in chunks:
        sha256.update(chunk)
        sha1.update(chunk)
    return sha256.hexdigest(), sha1.hexdigest()


# --- Photos ---------------------------------------------------------------------------


def _without_metadata(uploaded, mime):
    """The image saved again with only its pixels, colour profile and resolution, and what was left out.

    Returns ``(ContentFile, {"gps": bool, "other": bool, "turned": bool})``.
    """
    with decode_image(uploaded, mime, display_name(uploaded.name)) as image:
        found = _metadata_in(image)
        options = {"icc_profile": image.info.get("icc_profile"), "dpi": _plausible_dpi(image.info.get("dpi"))}
        if mime == "image/png":
            options["transparency"] = image.info.get("transparency")
        options = {key: value for key, value in options.items() if value is not None}
        # A phone stores a photo as the sensor saw it, plus a tag saying how to turn it: turn it, as viewers do.
        # In place, so a 40-megapixel photo is not held twice.
        ImageOps.exif_transpose(image, in_place=True)
        # Pillow's writers fall back to the image's info for some keys (a JPEG comment, a PNG's ICC profile):
        # start empty and pass only what is kept.
        image.info = {}
        if mime == "image/jpeg":
            options.update(format="JPEG", quality=JPEG_QUALITY)
        else:
            options.update(format="PNG")
        out = io.BytesIO()
        try:
            image.save(out, **options)
        except (OSError, ValueError):
            # A mode the writer cannot take as it is (a rare 16-bit or CMYK variant): save plain RGB(A) pixels.
            out = io.BytesIO()
            mode = "RGBA" if "A" in image.getbands() and mime == "image/png" else "RGB"
            options.pop("transparency", None)
            image.convert(mode).save(out, **options)
    return ContentFile(out.getvalue()), found


def _metadata_in(image):
    """What the photo carries that identifies a place, a device or a time (as far as can be told)."""
    gps = other = False
    try:
        exif = image.getexif()
        gps = ExifTags.IFD.GPSInfo in exif
        other = any(tag not in (ExifTags.IFD.GPSInfo, ExifTags.Base.Orientation) for tag in exif)
        turned = exif.get(ExifTags.Base.Orientation, 1) not in (1, None)
    except Exception:  # unreadable EXIF is dropped like the rest
        other, turned = bool(image.info.get("exif")), False
    text = getattr(image, "text", None) or {}  # PNG text chunks
    other = other or bool(text) or any(key in image.info for key in ("xmp", "comment", "photoshop"))
    return {"gps": gps, "other": other, "turned": turned}


def _plausible_dpi(dpi):
    # Kept so a scanned page prints at its size; taken from EXIF when the JFIF header has none, so check it.
    try:
        x, y = (float(v) for v in dpi)
    except (TypeError, ValueError):
        return None
    return (x, y) if all(math.isfinite(v) and 1 <= v <= 65535 for v in (x, y)) else None


def _cleaning_note(position, mime, found, sent_sha256):
    """The history note: which document (never its name, which can name the patient), what was removed, the hash."""
    removed = [
        label for key, label in (("gps", "location (GPS)"), ("other", "camera and other metadata")) if found[key]
    ]
    what = ", ".join(removed) if removed else "nothing identifying was found; it was saved again all the same"
    note = f"Document {position} ({TYPE_LABELS[mime]}) stored without its metadata: {what}."
    if found["turned"]:
        note += " Turned upright as its orientation tag said."
    return note + f" SHA-256 of the file as sent: {sent_sha256}."
