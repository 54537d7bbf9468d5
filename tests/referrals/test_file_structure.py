"""Files judged by their structure: polyglots, decompression bombs, page and pixel caps; photos stored without metadata."""

import hashlib
import io
import struct
import tracemalloc
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import ExifTags, Image

from referrals.models import Attachment, StatusChange, Submission
from referrals.services import records
from referrals.validators import validate_upload

from .factories import (
    HTML,
    JPEG,
    PDF,
    PNG,
    image_bytes,
    make_coordinator,
    make_submission,
    pdf_bytes,
    second_opinion_data,
    stored_files,
    upload,
)

URL = reverse("referrals:second_opinion")


def refused(content, name="file.pdf", content_type="application/octet-stream"):
    """The ValidationError ``validate_upload`` raises for ``content`` (the test fails if it accepts it)."""
    with pytest.raises(ValidationError) as caught:
        validate_upload(upload(name, content, content_type))
    return caught.value


def post_files(client, files):
    data = second_opinion_data()
    data["documents"] = files
    return client.post(URL, data)


def png_chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png_declaring(width, height):
    """A PNG of a few dozen bytes whose header claims ``width`` x ``height`` RGB pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def noisy_jpeg():
    """A JPEG with real image data (a flat colour compresses to almost nothing, and cutting it proves little)."""
    image = Image.effect_noise((200, 200), 64).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def stored_bytes(attachment):
    with attachment.file.open("rb") as handle:
        return handle.read()


def zip_bytes():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", HTML)
    return out.getvalue()


# --- Images -----------------------------------------------------------------------------


def test_a_tiny_png_declaring_30000_by_30000_pixels_is_refused_without_allocating_them():
    bomb = png_declaring(30000, 30000)
    assert len(bomb) < 200
    images_before = Image.core.get_stats()["new_count"]
    tracemalloc.start()
    try:
        error = refused(bomb, "scan.png")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.code == "image_too_big"
    assert "scan.png" in error.messages[0] and "too large" in error.messages[0]
    assert peak < 30 * 1024 * 1024
    # Pillow allocates pixel memory in C, which tracemalloc cannot see: its own counter shows no image was made.
    assert Image.core.get_stats()["new_count"] == images_before


def test_an_image_over_the_pixel_cap_is_refused_before_decoding(settings):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 100
    assert refused(image_bytes("PNG", size=(11, 10)), "photo.png").code == "image_too_big"
    assert refused(image_bytes("JPEG", size=(11, 10)), "photo.jpg").code == "image_too_big"
    assert validate_upload(upload("small.png", image_bytes("PNG", size=(10, 10)))) == "image/png"


def test_the_pixel_cap_defaults_to_40_megapixels(settings):
    assert settings.UPLOAD_MAX_IMAGE_PIXELS == 40_000_000  # config/settings.py's default (no environment here)
    assert refused(png_declaring(8000, 5001), "big.png").code == "image_too_big"
    error = refused(png_declaring(8000, 5001), "big.png")
    assert "more than 40 million pixels" in error.messages[0]


def test_a_truncated_jpeg_is_refused():
    whole = noisy_jpeg()
    assert validate_upload(upload("photo.jpg", whole)) == "image/jpeg"
    error = refused(whole[: len(whole) // 2], "photo.jpg")
    assert error.code == "image_unreadable"
    assert "“photo.jpg” could not be opened as a picture" in error.messages[0]


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + HTML,  # JPEG magic, then a web page
        b"\x89PNG\r\n\x1a\n" + HTML,  # PNG magic, then a web page
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", b"\x00" * 13) + HTML,  # a header that declares 0 x 0
    ],
    ids=["jpeg-html", "png-html", "png-empty-header"],
)
def test_a_file_that_only_starts_like_an_image_is_refused(content):
    assert refused(content, "photo.jpg").code == "image_unreadable"


def test_an_image_in_a_temporary_file_is_checked_and_rewound():
    uploaded = TemporaryUploadedFile("photo.jpg", "image/jpeg", len(JPEG), None)
    uploaded.write(JPEG)
    uploaded.seek(5)
    assert validate_upload(uploaded) == "image/jpeg"
    assert uploaded.tell() == 0
    assert uploaded.read() == JPEG
    uploaded.close()


# --- PDFs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.4\n" + JPEG, b"%PDF-1.4\n" + HTML, b"%PDF-1.4\n" + HTML + b"\n%%EOF\n", b"%PDF-" + b"0" * 500],
    ids=["pdf-jpeg", "pdf-html", "pdf-html-eof", "pdf-zeros"],
)
def test_a_file_that_only_starts_like_a_pdf_is_refused(content):
    error = refused(content, "report.pdf")
    assert error.code == "pdf_unreadable"
    assert "“report.pdf” could not be opened as a PDF" in error.messages[0]


def test_a_real_pdf_with_a_zip_appended_is_refused():
    error = refused(PDF + zip_bytes(), "report.pdf")
    assert error.code == "pdf_trailing"
    assert "something else added after its end" in error.messages[0]
    assert refused(PDF + HTML, "report.pdf").code == "pdf_trailing"


def test_white_space_after_the_end_of_a_pdf_is_fine():
    assert validate_upload(upload("report.pdf", PDF + b"\r\n\x00\x00 " * 500)) == "application/pdf"


def test_a_pdf_over_the_page_cap_is_refused(settings):
    settings.UPLOAD_MAX_PDF_PAGES = 3
    assert validate_upload(upload("three.pdf", pdf_bytes(3))) == "application/pdf"
    error = refused(pdf_bytes(4), "four.pdf")
    assert error.code == "pdf_too_many_pages"
    assert "“four.pdf” has more than 3 pages" in error.messages[0]


def test_pages_are_counted_not_taken_from_the_declared_count(settings):
    settings.UPLOAD_MAX_PDF_PAGES = 3
    lying = pdf_bytes(4).replace(b"/Count 4", b"/Count 1")  # same length: the offsets stay right
    assert lying != pdf_bytes(4)
    assert refused(lying, "four.pdf").code == "pdf_too_many_pages"


def test_the_page_cap_defaults_to_500(settings):
    assert settings.UPLOAD_MAX_PDF_PAGES == 500  # config/settings.py's default (no environment here)
    assert refused(pdf_bytes(501), "long.pdf").code == "pdf_too_many_pages"


def test_a_password_protected_pdf_is_refused_but_one_that_opens_without_a_password_is_not():
    error = refused(pdf_bytes(password="secret"), "locked.pdf")
    assert error.code == "pdf_encrypted"
    assert error.messages[0] == "“locked.pdf” is password-protected: please send it without a password."
    # Restrictions (printing, copying) with an empty password to open: anyone can read it, so can we.
    assert validate_upload(upload("restricted.pdf", pdf_bytes(password=""))) == "application/pdf"


def test_a_pdf_in_a_temporary_file_is_checked_and_rewound():
    uploaded = TemporaryUploadedFile("report.pdf", "application/pdf", len(PDF), None)
    uploaded.write(PDF)
    assert validate_upload(uploaded) == "application/pdf"
    assert uploaded.tell() == 0
    uploaded.close()


# --- Through the form and the services --------------------------------------------------


@pytest.mark.django_db
def test_valid_files_are_accepted_through_the_public_form(client, settings):
    files = [
        upload("summary.pdf", pdf_bytes(12)),
        upload("card.png", PNG, "image/png"),
        upload("page.jpg", noisy_jpeg(), "image/jpeg"),
    ]
    assert post_files(client, files).status_code == 302
    assert Attachment.objects.count() == 3
    assert len(stored_files(settings)) == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bomb.png", png_declaring(30000, 30000), "too large for us to open"),
        ("page.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + HTML, "could not be opened as a picture"),
        ("report.pdf", PDF + zip_bytes(), "does not end the way a PDF should"),
        ("locked.pdf", pdf_bytes(password="secret"), "password-protected"),
    ],
)
def test_the_public_form_refuses_with_a_message_naming_the_file(client, settings, name, content, message):
    response = post_files(client, [upload(name, content)])
    assert response.status_code == 200
    html = response.content.decode()
    assert name in html and message in html
    assert not Submission.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.django_db
def test_the_coordinators_attach_service_checks_structure_too(settings):
    coordinator = make_coordinator()
    submission = make_submission()
    with pytest.raises(ValidationError):
        records.attach_documents(submission=submission, files=[upload("fax.pdf", PDF + zip_bytes())], by=coordinator)
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    magic=st.sampled_from([b"%PDF-1.", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", b"\xff\xd8\xff"]),
    tail=st.binary(max_size=600),
)
def test_arbitrary_bytes_after_a_valid_magic_never_cause_a_server_error(client, magic, tail):
    response = post_files(client, [upload("file.pdf", magic + tail)])
    assert response.status_code in (200, 302)


# --- Photo metadata ---------------------------------------------------------------------


def phone_photo():
    """A 40 x 20 JPEG as a phone saves it turned: left half red, EXIF says "rotate 90° clockwise", with GPS."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Model] = "Snapper 9"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (39.0, 57.0, 9.0),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (75.0, 9.0, 54.0),
    }
    image = Image.new("RGB", (40, 20), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 20, 20))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95, exif=exif, comment=b"Zyxmarker")
    return out.getvalue()


@pytest.mark.django_db
def test_a_phone_photo_is_stored_upright_without_location_and_its_original_hash_kept(client):
    sent = phone_photo()
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert post_files(client, [upload("Zyxmarker scan.pdf"), upload("Zyxmarker card.jpg", sent)]).status_code == 302
    photo = Attachment.objects.get(content_type="image/jpeg")
    stored = stored_bytes(photo)
    assert stored != sent
    assert photo.original_sha256 == hashlib.sha256(sent).hexdigest()
    assert photo.sha256 == hashlib.sha256(stored).hexdigest()
    assert photo.sha1 == hashlib.sha1(stored).hexdigest()
    assert photo.size == len(stored)
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert not image.getexif()  # no GPS, no camera, no orientation tag left to apply twice
    assert "comment" not in image.info and "xmp" not in image.info
    assert b"PhoneCo" not in stored and b"Zyxmarker" not in stored
    # Upright: 20 wide, 40 high, the red half now on top.
    assert image.size == (20, 40)
    red, green, blue = image.convert("RGB").getpixel((10, 5))
    assert red > 200 and blue < 60
    red, green, blue = image.convert("RGB").getpixel((10, 35))
    assert blue > 200 and red < 60

    change = StatusChange.objects.get(action=StatusChange.Action.METADATA_REMOVED)
    assert change.submission == photo.submission
    assert change.changed_by is None
    assert change.to_value == "Document 2"
    assert "Document 2 (JPEG image)" in change.note
    assert "location (GPS)" in change.note and "camera and other metadata" in change.note
    assert "Turned upright" in change.note
    assert hashlib.sha256(sent).hexdigest() in change.note
    assert "Zyxmarker" not in change.note and "card.jpg" not in change.note
    # The PDF is stored byte for byte, with no history row of its own.
    pdf = Attachment.objects.get(content_type="application/pdf")
    assert pdf.original_sha256 == "" and pdf.sha256 == hashlib.sha256(PDF).hexdigest()
    assert StatusChange.objects.filter(action=StatusChange.Action.METADATA_REMOVED).count() == 1


@pytest.mark.django_db
def test_a_png_keeps_its_colour_profile_and_loses_its_text_and_anything_after_its_end(client):
    from PIL import ImageCms, PngImagePlugin

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Zyxmarker Qwopname")
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (10, 200, 10, 128)).save(out, format="PNG", pnginfo=text, icc_profile=icc)
    sent = out.getvalue() + HTML  # something hidden after IEND
    assert post_files(client, [upload("screen.png", sent)]).status_code == 302
    attachment = Attachment.objects.get()
    stored = stored_bytes(attachment)
    image = Image.open(io.BytesIO(stored))
    assert image.info.get("icc_profile") == icc
    assert image.mode == "RGBA" and image.getpixel((0, 0)) == (10, 200, 10, 128)
    assert b"Zyxmarker" not in stored and b"<script>" not in stored
    assert attachment.original_sha256 == hashlib.sha256(sent).hexdigest()
    note = StatusChange.objects.get(action=StatusChange.Action.METADATA_REMOVED).note
    assert "Document 1 (PNG image)" in note and "camera and other metadata" in note and "GPS" not in note


@pytest.mark.django_db
def test_a_coordinators_photo_history_row_says_who_added_it():
    coordinator = make_coordinator()
    submission = make_submission()
    records.attach_documents(
        submission=submission, files=[upload("fax.pdf"), upload("photo.jpg", phone_photo())], by=coordinator
    )
    change = StatusChange.objects.get(action=StatusChange.Action.METADATA_REMOVED)
    assert change.changed_by == coordinator
    assert change.note.startswith("Document 2 (JPEG image)")


@pytest.mark.django_db
def test_an_image_with_nothing_to_remove_is_stored_as_sent(client):
    assert post_files(client, [upload("card.png", PNG), upload("photo.jpg", JPEG)]).status_code == 302
    for attachment in Attachment.objects.all():
        assert attachment.original_sha256 == ""
    assert not StatusChange.objects.filter(action=StatusChange.Action.METADATA_REMOVED).exists()


@pytest.mark.django_db
def test_a_multi_picture_jpeg_from_a_phone_is_accepted_and_stored_as_a_plain_jpeg(client):
    # Phones save a second, smaller picture inside some JPEGs (MPO); Pillow calls that format "MPO".
    first = Image.open(io.BytesIO(phone_photo()))
    exif = first.getexif()
    out = io.BytesIO()
    first.save(out, format="MPO", save_all=True, append_images=[Image.new("RGB", (8, 4))], exif=exif)
    sent = out.getvalue()
    assert Image.open(io.BytesIO(sent)).format == "MPO"
    assert post_files(client, [upload("photo.jpg", sent)]).status_code == 302
    attachment = Attachment.objects.get()
    image = Image.open(io.BytesIO(stored_bytes(attachment)))
    assert image.format == "JPEG" and image.size == (20, 40)
    assert not image.getexif()
    assert "location (GPS)" in StatusChange.objects.get(action=StatusChange.Action.METADATA_REMOVED).note


REFUSALS = {"file_type", "image_unreadable", "image_format", "image_too_big"} | {
    f"pdf_{reason}" for reason in ("unreadable", "trailing", "too_many_pages", "encrypted", "protected")
}
SAMPLES = [PDF, pdf_bytes(3), pdf_bytes(password=""), PNG, JPEG, image_bytes("PNG", size=(30, 20))]


@hypothesis_settings(max_examples=300, deadline=None, database=None)  # no .hypothesis folder in the tree
@given(
    sample=st.sampled_from(SAMPLES),
    at=st.integers(min_value=8, max_value=2000),
    garbage=st.binary(max_size=24),
    cut=st.booleans(),
)
def test_a_damaged_real_file_is_accepted_or_refused_never_an_unexpected_error(sample, at, garbage, cut):
    # Real files with bytes overwritten (or cut off) reach deeper into the parsers than random bytes do.
    at = min(at, len(sample))
    damaged = sample[:at] + garbage + (b"" if cut else sample[at + len(garbage) :])
    try:
        validate_upload(upload("file.pdf", damaged))
    except ValidationError as error:
        assert error.code in REFUSALS


def test_an_aes_encrypted_pdf_that_opens_without_a_password_is_accepted_and_one_that_needs_one_is_not():
    """Lab portals send AES-256 PDFs that open without a password (pypdf decrypts them with cryptography)."""
    import io

    from pypdf import PdfReader, PdfWriter

    def aes(password):
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(2))))
        writer.encrypt(user_password=password, owner_password="owner-only", algorithm="AES-256")
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    assert validate_upload(upload("lab-results.pdf", aes(""))) == "application/pdf"
    assert "password-protected" in refused(aes("secret"), "locked.pdf").messages[0]
