"""Structure checks for uploaded files: is a "PDF" really a PDF, is a "photo" really a photo we can open?

``validators.detect_type`` looks at a file's first bytes only, so a file that
starts like a PDF or a PNG and carries anything after (HTML, a ZIP, a
decompression bomb) would pass it. Here each file is opened by a parser for its
detected type, under limits that keep memory bounded whatever the file claims:

- Images: Pillow reads the header first, and the pixel count is checked against
  ``settings.UPLOAD_MAX_IMAGE_PIXELS`` before any pixel is decoded (a tiny PNG
  that declares 30000 x 30000 is refused without allocating 2.7 GB); then the
  whole image is decoded, so truncated or corrupt data is refused.
- PDFs: pypdf reads the cross-reference table and the page tree only (never a
  page's content streams), under tighter decompression limits than its own;
  the page count is checked against ``settings.UPLOAD_MAX_PDF_PAGES``; a
  password we do not have, or bytes after the last ``%%EOF``, are refused.

Broken files are common and the parsers raise many exception types on them:
every one becomes a ``ValidationError`` (a kind message, never a 500). Each
message names the file, never its content. The file is left at position 0.
"""

import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PasswordType, PdfReader, apply_configuration
from pypdf.errors import DependencyError, LimitReachedError

# The Pillow reader tried for each type we accept (no other reader gets a go at the
# file), and the formats it may report: phones often save JPEGs with a second,
# smaller picture inside (MPO), still a JPEG to everyone who opens it.
PILLOW_READERS = {"image/png": ["PNG"], "image/jpeg": ["JPEG"]}
PILLOW_FORMATS = {"image/png": ("PNG",), "image/jpeg": ("JPEG", "MPO")}

# pypdf inflates cross-reference and object streams to find the pages; nothing
# of that size is legitimate in a file of at most UPLOAD_MAX_BYTES, and pypdf's
# own limits (75 MB a stream) are too generous for a web worker.
PDF_STREAM_LIMIT = 10 * 1024 * 1024
# Bytes PDF readers treat as white space (ISO 32000-1, 7.2.2): allowed after %%EOF.
PDF_WHITESPACE = b"\x00\t\n\x0c\r "
_TAIL_CHUNK = 1024


def check_structure(uploaded, mime: str, shown: str) -> None:
    """Open ``uploaded`` as the ``mime`` type its first bytes claim; raise ValidationError if it is not one."""
    try:
        if mime == "application/pdf":
            _check_pdf(uploaded, shown)
        else:
            with decode_image(uploaded, mime, shown):
                pass
    finally:
        uploaded.seek(0)


# --- Images ---------------------------------------------------------------------------


def max_image_pixels() -> int:
    return settings.UPLOAD_MAX_IMAGE_PIXELS


def decode_image(uploaded, mime: str, shown: str):
    """The image, fully decoded, or a ValidationError: the one way this project reads an upload's pixels.

    ``services.documents`` re-saves images through here too, so the limits the
    form checked also hold there. Use it in a ``with`` block.
    """
    uploaded.seek(0)
    try:
        # Pillow warns about images over its own MAX_IMAGE_PIXELS and raises only at twice that: refuse at the warning.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Never image.close(): it would close the upload too (``with image`` leaves it open).
            image = Image.open(uploaded, formats=PILLOW_READERS[mime])
            if image.format not in PILLOW_FORMATS[mime]:
                raise _image_unreadable(shown, code="image_format")
            # The header is all Pillow has read so far: refuse before a pixel is allocated.
            width, height = image.size
            if width * height > max_image_pixels():
                raise _image_too_big(shown)
            image.load()
        return image
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _image_too_big(shown) from None
    except Exception:  # Pillow raises many types on broken data (OSError, SyntaxError, ValueError, struct.error...)
        raise _image_unreadable(shown, code="image_unreadable") from None
    finally:
        uploaded.seek(0)


def _image_unreadable(shown, *, code):
    return ValidationError(
        _(
            "“%(name)s” could not be opened as a picture: it may be damaged or only partly saved. "
            "Please take the photo again, or save it again as a PNG or JPEG, and send that."
        )
        % {"name": shown},
        code=code,
    )


def _image_too_big(shown):
    return ValidationError(
        _(
            "“%(name)s” is a picture too large for us to open (more than %(max)s million pixels). "
            "Please send a smaller photo, or the document as a PDF."
        )
        % {"name": shown, "max": f"{max_image_pixels() / 1_000_000:g}"},
        code="image_too_big",
    )


# --- PDFs -----------------------------------------------------------------------------


def max_pdf_pages() -> int:
    return settings.UPLOAD_MAX_PDF_PAGES


def _check_pdf(uploaded, shown):
    ends_cleanly = _ends_with_eof(uploaded)
    max_pages = max_pdf_pages()
    limits = {
        name: PDF_STREAM_LIMIT
        for name in (
            "maximum_declared_stream_length",
            "array_based_stream_maximum_output_length",
            "zlib_maximum_output_length",
            "lzw_maximum_output_length",
            "run_length_maximum_output_length",
            "brotli_maximum_output_length",
            "jbig2_maximum_output_length",
        )
    }
    # Every page is a node of the page tree, and so is each /Pages node above them:
    # a tree of N pages with at least two kids a node has fewer than 2N nodes.
    limits["page_tree_maximum_entries"] = 2 * max_pages + 10
    uploaded.seek(0)
    # apply_configuration sets the limits for this context only (a contextvar), not for the whole process.
    with apply_configuration(**limits):
        try:
            # strict=False: pypdf repairs the small faults scanners and phone apps make, which families cannot fix.
            reader = PdfReader(uploaded, strict=False)
            if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                raise _pdf_error("pdf_encrypted", shown)
            declared = reader.root_object["/Pages"].get_object().get("/Count")
            if isinstance(declared, int) and declared > max_pages:
                raise _pdf_error("pdf_too_many_pages", shown)
            # Walks the page tree only: no page's content stream is read or inflated.
            pages = len(reader.pages)
        except ValidationError:
            raise
        except LimitReachedError:
            raise _pdf_error("pdf_too_many_pages", shown) from None
        except DependencyError:
            # An encryption scheme pypdf needs an optional library for (AES without "cryptography").
            raise _pdf_error("pdf_protected", shown) from None
        except Exception:  # pypdf raises many types on broken files (PdfReadError, KeyError, ValueError...)
            raise _pdf_error("pdf_unreadable", shown) from None
    if pages == 0:
        raise _pdf_error("pdf_unreadable", shown)
    if pages > max_pages:
        raise _pdf_error("pdf_too_many_pages", shown)
    if not ends_cleanly:
        raise _pdf_error("pdf_trailing", shown)


def _ends_with_eof(uploaded) -> bool:
    """True if the last thing in the file, white space aside, is the ``%%EOF`` marker.

    PDF readers start from the end, so a PDF with a ZIP or a web page appended
    still opens as a PDF, and the same file opens as the other thing elsewhere.
    Read backwards a chunk at a time: white-space padding of any length is fine.
    """
    uploaded.seek(0, 2)
    end = uploaded.tell()
    while end > 0:
        start = max(0, end - _TAIL_CHUNK)
        uploaded.seek(start)
        chunk = uploaded.read(end - start).rstrip(PDF_WHITESPACE)
        if chunk:
            if len(chunk) < len(b"%%EOF") and start > 0:  # the marker straddles two chunks
                uploaded.seek(max(0, start - len(b"%%EOF")))
                chunk = uploaded.read(start - uploaded.tell()) + chunk
            return chunk.endswith(b"%%EOF")
        end = start
    return False


def _pdf_error(code, shown):
    messages = {
        "pdf_unreadable": _(
            "“%(name)s” could not be opened as a PDF: it may be damaged or only partly saved. "
            "Please save or export it again as a PDF and send that."
        ),
        "pdf_trailing": _(
            "“%(name)s” does not end the way a PDF should: it may be incomplete, or have something else added "
            "after its end. Please save or print it again as a new PDF and send that."
        ),
        "pdf_too_many_pages": _(
            "“%(name)s” has more than %(max)d pages. Please split it into smaller files of at most %(max)d pages each."
        ),
        "pdf_encrypted": _("“%(name)s” is password-protected: please send it without a password."),
        "pdf_protected": _(
            "“%(name)s” is a protected PDF that we cannot open. "
            "Please save or print it again as a new PDF without protection and send that."
        ),
    }
    return ValidationError(messages[code] % {"name": shown, "max": max_pdf_pages()}, code=code)
