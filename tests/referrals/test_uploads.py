"""Uploaded documents: type by content, limits, names; stored privately under server-made names."""

import hashlib
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from referrals.forms import SecondOpinionForm
from referrals.models import Attachment, Submission
from referrals.validators import validate_file_name

from .factories import ELF, HTML, JPEG, PDF, PNG, second_opinion_data, stored_files, upload

URL = reverse("referrals:second_opinion")


def post_files(client, files):
    data = second_opinion_data()
    data["documents"] = files
    return client.post(URL, data)


def assert_rejected(response, settings, *fragments):
    assert response.status_code == 200
    html = response.content.decode()
    for fragment in fragments:
        assert fragment in html, fragment
    assert 'href="#id_documents"' in html
    assert not Submission.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.django_db
def test_pdf_png_jpeg_accepted_and_stored_under_server_names(client, settings):
    files = [upload("Scan 1.pdf", PDF), upload("card.PNG", PNG, "image/png"), upload("photo.jpeg", JPEG, "image/jpeg")]
    assert post_files(client, files).status_code == 302
    attachments = list(Attachment.objects.order_by("pk"))
    assert [a.original_name for a in attachments] == ["Scan 1.pdf", "card.PNG", "photo.jpeg"]
    assert [a.content_type for a in attachments] == ["application/pdf", "image/png", "image/jpeg"]
    assert [a.size for a in attachments] == [len(PDF), len(PNG), len(JPEG)]
    assert [a.sha256 for a in attachments] == [hashlib.sha256(c).hexdigest() for c in (PDF, PNG, JPEG)]
    # These images carry no metadata, so saving them again gives the bytes sent: nothing to record.
    assert [a.original_sha256 for a in attachments] == ["", "", ""]
    for attachment, ext in zip(attachments, ["pdf", "png", "jpg"], strict=True):
        assert re.fullmatch(rf"documents/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}\.{ext}", attachment.file.name)
        path = settings.PRIVATE_MEDIA_ROOT / attachment.file.name
        assert path.exists()
        assert (path.stat().st_mode & 0o777) == 0o600
    assert len(stored_files(settings)) == 3
    # No URL serves the private folder: not the address the storage would give, nor the folder's own name.
    for attachment in attachments:
        path = settings.PRIVATE_MEDIA_ROOT / attachment.file.name
        for url in (attachment.file.url, f"/media/{attachment.file.name}", f"/private_media/{attachment.file.name}"):
            response = client.get(url)
            assert response.status_code == 404, url
            assert path.read_bytes() not in response.content
        assert path.exists()


@pytest.mark.django_db
def test_type_decided_by_content_not_name_or_browser(client, settings):
    # A real PNG named .pdf with a PDF content type is stored as a PNG.
    assert post_files(client, [upload("looks-like.pdf", PNG, "application/pdf")]).status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png"
    assert attachment.file.name.endswith(".png")


@pytest.mark.django_db
def test_executable_renamed_pdf_rejected(client, settings):
    response = post_files(client, [upload("report.pdf", ELF, "application/pdf")])
    assert_rejected(response, settings, "report.pdf", "is not a PDF, PNG or JPEG file")


@pytest.mark.django_db
def test_html_renamed_jpg_rejected(client, settings):
    response = post_files(client, [upload("photo.jpg", HTML, "image/jpeg")])
    assert_rejected(response, settings, "photo.jpg", "is not a PDF, PNG or JPEG file")


@pytest.mark.django_db
def test_oversized_file_rejected(client, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    response = post_files(client, [upload("big.pdf", PDF + b"0" * 1024)])
    assert_rejected(response, settings, "big.pdf", "is too big", "1.0\xa0KB")


@pytest.mark.django_db
def test_eleven_files_rejected(client, settings):
    response = post_files(client, [upload(f"page{i}.pdf") for i in range(11)])
    assert_rejected(response, settings, "You chose 11 files", "at most 10 files")


@pytest.mark.django_db
def test_zero_byte_file_rejected(client, settings):
    response = post_files(client, [upload("empty.pdf", b"")])
    assert_rejected(response, settings, "empty.pdf", "is empty")


@pytest.mark.django_db
def test_one_bad_file_rejects_the_whole_form_and_names_only_that_file(client, settings):
    response = post_files(client, [upload("good.pdf"), upload("bad.pdf", ELF)])
    assert_rejected(response, settings, "bad.pdf")
    assert "good.pdf" not in response.content.decode()


def post_raw_file_name(client, file_name, content=PDF):
    """POST the form with a file name exactly as given (the test client would clean it)."""
    boundary = "BoUnDaRy"
    data = second_opinion_data()
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in data.items()]
    body = (
        "".join(parts).encode()
        + (
            f'--{boundary}\r\nContent-Disposition: form-data; name="documents"; filename="{file_name}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.generic("POST", URL, body, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("file_name", "shown", "message"),
    [
        ("../../etc/passwd", "../../etc/passwd", "must not contain folder names"),
        ("../../etc/report.pdf", "../../etc/report.pdf", "must not contain folder names"),
        ("C:\\Users\\me\\scan.pdf", "C:\\Users\\me\\scan.pdf", "must not contain folder names"),
        ("report\x07.pdf", "report?.pdf", "characters we cannot accept"),
        ("scan\x1b[2J.pdf", "scan?[2J.pdf", "characters we cannot accept"),
    ],
)
def test_unsafe_names_rejected_over_http(client, settings, file_name, shown, message):
    # Django's parser would quietly clean these names; the form rejects them instead.
    response = post_raw_file_name(client, file_name)
    assert_rejected(response, settings, message)
    assert escape(shown) in response.content.decode()


@pytest.mark.django_db
def test_ordinary_names_with_entities_or_accents_are_accepted_over_http(client, settings):
    assert post_raw_file_name(client, "Informe de patología &amp; CD19.pdf").status_code == 302
    assert Attachment.objects.get().original_name == "Informe de patología & CD19.pdf"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("Screenshot 2026-11-02 at 10.00.00\u202fAM.png", "Screenshot 2026-11-02 at 10.00.00 AM.png"),
        ("Informe\u00a0final.pdf", "Informe final.pdf"),
    ],
)
def test_names_with_unusual_spaces_are_accepted_as_plain_spaces(client, settings, sent, kept):
    content = PNG if sent.endswith(".png") else PDF
    assert post_raw_file_name(client, sent, content).status_code == 302
    assert Attachment.objects.get().original_name == kept


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../../etc/passwd", "must not contain folder names"),
        ("..\\..\\boot.ini.pdf", "must not contain folder names"),
        ("/etc/passwd.pdf", "must not contain folder names"),
        ("report\x00.pdf", "characters we cannot accept"),
        ("report\x07\x1b[31m.pdf", "characters we cannot accept"),
        ("line\nbreak.pdf", "characters we cannot accept"),
        ("right\u202eto-left.pdf", "characters we cannot accept"),
        (".hidden.pdf", "not a plain file name"),
        ("C:evil.pdf", "not a plain file name"),
        ("x" * 250 + ".pdf", "too long"),
        ("notes.txt", "only PDF, PNG and JPEG"),
    ],
)
def test_unsafe_names_rejected_with_a_message_naming_the_file(name, message):
    with pytest.raises(ValidationError) as caught:
        validate_file_name(name)
    assert message in caught.value.messages[0]
    # The name in the message is shown without control characters.
    assert not any(ord(ch) < 32 for ch in caught.value.messages[0])
    # Through the form too, for names that survive Django's UploadedFile (which keeps only the part after the last "/").
    if "/" not in name:
        form = SecondOpinionForm(second_opinion_data(), {"documents": [upload(name, PDF)]})
        assert not form.is_valid()
        assert len(form.errors["documents"]) == 1
        assert message in form.errors["documents"][0]


def test_error_message_for_a_name_with_control_characters_sanitises_it():
    form = SecondOpinionForm(second_opinion_data(), {"documents": [upload("bad\x1b[2Jname.pdf", PDF)]})
    assert not form.is_valid()
    assert "bad?[2Jname.pdf" in form.errors["documents"][0]
