"""
Validators for the public forms: NPI numbers, uploaded files and their names.

Each raises ``ValidationError`` with a ``code`` so tests and templates can tell
the reasons apart. Messages name the file (sanitized), never its content.
What a file's structure must be (beyond its first bytes) is in ``file_structure``.
"""

import re
import unicodedata

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from referrals.file_structure import check_structure

# The types we accept, decided by the file's first bytes (never its name or the
# browser's content type), with the extension we store them under.
ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
}
# Names must also end in one of these, so a file people cannot open on their
# own computer is caught early. The content still decides the type.
ALLOWED_EXTENSIONS = (".pdf", ".png", ".jpg", ".jpeg")
MAX_NAME_LENGTH = 200
# ASCII digits only: str.isdigit() also accepts "²" and Arabic-Indic or full-width digits.
NPI_RE = re.compile(r"[0-9]{10}")


def npi_is_valid(value: str) -> bool:
    """Luhn check of a 10-digit NPI, with the ``80840`` prefix (CMS's rule).

    The prefix contributes a constant 24 to the Luhn sum, so the check is
    done over "80840" + the 10 digits.
    """
    if not NPI_RE.fullmatch(value):
        return False
    digits = [int(d) for d in "80840" + value]
    total = 0
    # From the rightmost digit: double every second digit.
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def validate_npi(value):
    value = (value or "").strip()
    if not NPI_RE.fullmatch(value):
        raise ValidationError(_("An NPI has exactly 10 digits."), code="npi_format")
    if not npi_is_valid(value):
        raise ValidationError(
            _("This NPI is not valid. Please check the 10 digits and try again."),
            code="npi_checksum",
        )


def display_name(name: str) -> str:
    """A version of an uploaded file's name that is safe to show in a message."""
    cleaned = "".join(ch if unicodedata.category(ch)[0] != "C" else "?" for ch in str(name or ""))
    cleaned = cleaned.strip() or _("(no name)")
    if len(cleaned) > 80:
        cleaned = cleaned[:77] + "..."
    return cleaned


def validate_file_name(name: str) -> str:
    """Return the original name if it is a plain file name; reject anything else.

    We never use this name on disk (files are stored under server-made names),
    but we keep it as metadata and show it to coordinators, so it must be a
    plain name: no folders, no control characters, no hidden files.
    """
    shown = display_name(name)
    name = str(name or "")
    if not name.strip():
        raise ValidationError(_("A file has no name. Please rename it and choose it again."), code="name_empty")
    if any(unicodedata.category(ch)[0] == "C" for ch in name):
        raise ValidationError(
            _("“%(name)s”: the file name has characters we cannot accept. Please rename the file.") % {"name": shown},
            code="name_control",
        )
    if "/" in name or "\\" in name or name in {".", ".."} or ".." in name.split("."):
        raise ValidationError(
            _("“%(name)s”: the file name must not contain folder names. Please rename the file.") % {"name": shown},
            code="name_path",
        )
    if name.startswith(".") or ":" in name:
        raise ValidationError(
            _("“%(name)s”: the file name is not a plain file name. Please rename the file.") % {"name": shown},
            code="name_path",
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            _("“%(name)s”: the file name is too long (at most %(max)d characters). Please rename the file.")
            % {"name": shown, "max": MAX_NAME_LENGTH},
            code="name_length",
        )
    if not name.lower().endswith(ALLOWED_EXTENSIONS):
        raise ValidationError(
            _("“%(name)s”: only PDF, PNG and JPEG files can be sent (names ending in .pdf, .png, .jpg or .jpeg).")
            % {"name": shown},
            code="name_extension",
        )
    return unicodedata.normalize("NFC", name.strip())


def detect_type(uploaded) -> str | None:
    """The MIME type from the file's first bytes, or None if it is not one we accept."""
    uploaded.seek(0)
    head = uploaded.read(262)
    uploaded.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        return None
    return kind.mime


def validate_upload(uploaded) -> str:
    """Check one uploaded file. Return its detected MIME type.

    The first bytes decide the type; then the file must open as that type
    (``file_structure``), so a file that only starts like a PDF or a photo is refused.
    """
    validate_file_name(uploaded.name)
    shown = display_name(uploaded.name)
    if uploaded.size == 0:
        raise ValidationError(
            _("“%(name)s” is empty (0 bytes). Please choose the file again.") % {"name": shown},
            code="file_empty",
        )
    if uploaded.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is too big (%(size)s). Each file can be at most %(max)s.")
            % {
                "name": shown,
                "size": filesizeformat(uploaded.size),
                "max": filesizeformat(settings.UPLOAD_MAX_BYTES),
            },
            code="file_too_big",
        )
    mime = detect_type(uploaded)
    if mime is None:
        raise ValidationError(
            _("“%(name)s” is not a PDF, PNG or JPEG file. Please send a PDF or a photo (PNG or JPEG).")
            % {"name": shown},
            code="file_type",
        )
    check_structure(uploaded, mime, shown)
    return mime
