"""Documents on S3-compatible object storage: a round trip through a real SeaweedFS on loopback.

STORAGES["private"] comes from config/settings.py itself, run with the S3_* variables of the server
scripts/s3server.py started. Skipped with the reason when SeaweedFS cannot start here, a failure when
REQUIRE_S3 is set (CI). Every test gets its own prefix in the bucket, so it sees only its own objects.
"""

import base64
import hashlib
import os
import runpy
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils.functional import empty

from referrals import fhir
from referrals.forms import SecondOpinionForm
from referrals.models import AccessLog, Attachment, Submission, private_storage
from referrals.services import documents, intake
from tests.referrals.factories import (
    PDF,
    PNG,
    change_url,
    make_attachment,
    make_submission,
    second_opinion_data,
    stored_files,
    upload,
    valid_form,
)
from tests.s3 import S3_TESTS, report_s3_skipped, start_seaweedfs

ROOT = Path(__file__).resolve().parents[2]


def private_storage_setting(monkeypatch, **env):
    """STORAGES["private"] as config/settings.py builds it with these S3_* variables (and no others)."""
    with monkeypatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("S3_")]:
            patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        return runpy.run_path(str(ROOT / "config" / "settings.py"))["STORAGES"]["private"]


@pytest.fixture(scope="module")
def s3_server():
    server, endpoint = start_seaweedfs(bucket="cip-test-documents")
    yield endpoint
    server.stop()


@dataclass
class Bucket:
    """The test's view of the bucket: the app's own S3 client, and the prefix the storage writes under."""

    client: object
    name: str
    prefix: str
    endpoint_url: str

    def key(self, name):
        return f"{self.prefix}/{name}"

    def keys(self):
        listing = self.client.list_objects_v2(Bucket=self.name, Prefix=f"{self.prefix}/")
        return sorted(entry["Key"] for entry in listing.get("Contents", []))

    def read(self, name):
        return self.client.get_object(Bucket=self.name, Key=self.key(name))["Body"].read()


@pytest.fixture
def s3(s3_server, settings, monkeypatch):
    """STORAGES["private"] is the bucket, under a prefix of this test's own."""
    prefix = f"test-{secrets.token_hex(4)}"
    private = private_storage_setting(monkeypatch, **s3_server.env(), S3_PREFIX=prefix)
    settings.STORAGES = {**settings.STORAGES, "private": private}
    private_storage()._wrapped = empty  # the FileField's storage: look up STORAGES["private"] again
    yield Bucket(s3_server.client(), s3_server.bucket, prefix, s3_server.endpoint_url)
    private_storage()._wrapped = empty


def anonymous_get(url):
    """The status of a GET without credentials (urllib raises on 4xx; that is the answer wanted)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def download_url(attachment):
    return reverse("admin:referrals_attachment_download", args=[attachment.pk])


def test_settings_use_the_bucket_only_when_one_is_named(monkeypatch):
    assert private_storage_setting(monkeypatch)["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    private = private_storage_setting(
        monkeypatch, S3_BUCKET="docs", S3_ENDPOINT_URL="http://127.0.0.1:8333", S3_PREFIX="/cip/"
    )
    options = private["OPTIONS"]
    assert private["BACKEND"] == "storages.backends.s3.S3Storage"
    assert (options["bucket_name"], options["endpoint_url"], options["location"]) == (
        "docs",
        "http://127.0.0.1:8333",
        "cip",
    )
    assert options["region_name"] == "us-east-1"
    # Private: no ACL sent (the bucket's private default), no public domain, any URL signed and short-lived.
    assert options["default_acl"] is None and options["custom_domain"] is None
    assert options["querystring_auth"] is True and options["querystring_expire"] <= 60
    assert options["file_overwrite"] is False
    config = options["client_config"]
    assert config.s3 == {"addressing_style": "path"}
    assert (config.connect_timeout, config.read_timeout, config.retries["max_attempts"]) == (5, 30, 3)


@pytest.mark.django_db
def test_a_form_upload_lands_in_the_bucket_and_not_on_disk(s3, client, settings):
    data = second_opinion_data()
    data["documents"] = [upload("Scan 1.pdf", PDF), upload("card.png", PNG, "image/png")]
    assert client.post(reverse("referrals:second_opinion"), data).status_code == 302
    pdf, png = Attachment.objects.order_by("content_type")
    assert s3.keys() == sorted(s3.key(attachment.file.name) for attachment in (pdf, png))
    for attachment in (pdf, png):
        assert attachment.file.name.startswith("documents/")
        stored = s3.read(attachment.file.name)
        assert hashlib.sha256(stored).hexdigest() == attachment.sha256  # a photo may be saved again, cleaned
        assert attachment.file.size == len(stored) == attachment.size
    assert s3.read(pdf.file.name) == PDF  # a PDF byte for byte
    assert stored_files(settings) == []


@pytest.mark.django_db
def test_the_download_view_streams_the_object_and_logs_the_access(s3, coordinator_client, coordinator):
    content = PDF + b"%" + secrets.token_bytes(64)
    attachment = make_attachment(make_submission(), content=content, name="scan.pdf")
    assert s3.read(attachment.file.name) == content
    response = coordinator_client.get(download_url(attachment), REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Disposition"] == 'attachment; filename="scan.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(content))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    log = AccessLog.objects.get(action="download")
    assert (log.user, log.submission, log.client_ip) == (coordinator, attachment.submission, "198.51.100.7")


@pytest.mark.django_db
def test_a_document_missing_from_the_bucket_is_a_404_and_no_access_row(s3, coordinator_client):
    attachment = make_attachment(make_submission())
    s3.client.delete_object(Bucket=s3.name, Key=s3.key(attachment.file.name))
    assert coordinator_client.get(download_url(attachment)).status_code == 404
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_objects_are_not_readable_without_credentials(s3):
    attachment = make_attachment(make_submission())
    key = s3.key(attachment.file.name)
    assert s3.read(attachment.file.name)  # there, for whoever holds the key
    assert anonymous_get(f"{s3.endpoint_url}/{s3.name}/{key}") in {401, 403}
    assert anonymous_get(f"{s3.endpoint_url}/{s3.name}?list-type=2") in {401, 403}
    assert anonymous_get(f"{s3.endpoint_url}/{s3.name}/{key}?X-Amz-Expires=60") in {401, 403}


@pytest.mark.django_db
def test_no_page_gives_out_a_storage_url(s3, coordinator_client):
    attachment = make_attachment(make_submission(), content=PDF, name="scan.pdf")
    with mock.patch.object(type(private_storage()._wrapped), "url", side_effect=AssertionError("url() called")):
        page = coordinator_client.get(change_url(attachment.submission))
        download = coordinator_client.get(download_url(attachment))
    assert page.status_code == 200 and download.status_code == 200
    html = page.content.decode()
    assert download_url(attachment) in html
    assert s3.endpoint_url not in html and s3.name not in html
    assert attachment.file.name not in html and "X-Amz-" not in html
    assert not download.has_header("Location")


@pytest.mark.django_db
def test_remove_files_deletes_the_objects(s3):
    attachments = [make_attachment(make_submission()) for _i in range(2)]
    assert len(s3.keys()) == 2
    documents.remove_files([attachment.file.name for attachment in attachments])
    assert s3.keys() == []
    assert not private_storage().exists(attachments[0].file.name)


@pytest.mark.django_db
def test_a_failed_submission_leaves_no_object_in_the_bucket(s3):
    form = valid_form(SecondOpinionForm, second_opinion_data(), [upload("a.pdf"), upload("b.pdf")])
    real_store = documents.store_files
    stored = []

    def store_then_count(*args, **kwargs):
        attachments = real_store(*args, **kwargs)
        stored.extend(s3.keys())  # both objects were in the bucket before the failure
        return attachments

    with (
        mock.patch.object(documents, "store_files", side_effect=store_then_count),
        mock.patch.object(intake, "_create_notifications", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        intake.submit(form=form, files=form.cleaned_data["documents"])
    assert len(stored) == 2
    assert not Submission.objects.exists() and not Attachment.objects.exists()
    assert s3.keys() == []


@pytest.mark.django_db
def test_a_document_larger_than_one_upload_part_round_trips(s3):
    """Over 8 MB boto3 uploads in parts (multipart): opened, sized and hashed like a small one."""
    content = secrets.token_bytes(9 * 1024 * 1024)
    attachment = make_attachment(make_submission(), content=content)
    assert attachment.file.size == len(content)
    with attachment.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).digest() == hashlib.sha256(content).digest()
    # The FHIR export reads a document back from the bucket when its row predates the stored SHA-1.
    assert attachment.sha1 == ""
    expected = base64.b64encode(hashlib.sha1(content).digest()).decode()
    assert fhir.clinical.sha1_base64(Attachment.objects.get(pk=attachment.pk)) == expected


@pytest.mark.django_db
def test_a_name_already_taken_is_never_overwritten(s3):
    storage = private_storage()
    first = storage.save("documents/same.pdf", ContentFile(b"first"))
    second = storage.save("documents/same.pdf", ContentFile(b"second"))
    assert first == "documents/same.pdf" and second != first
    assert (s3.read(first), s3.read(second)) == (b"first", b"second")


def test_without_seaweedfs_the_tests_skip_with_the_reason_or_fail_in_ci(monkeypatch):
    monkeypatch.setenv("WEED_BINARY", "/nonexistent/weed")
    monkeypatch.setattr("tests.s3.REQUIRE_S3", False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        start_seaweedfs(bucket="unused")
    assert str(skipped.value) == (
        "S3 storage tests skipped: SeaweedFS could not start: WEED_BINARY=/nonexistent/weed is not an executable "
        "file. (CI sets REQUIRE_S3=1 and fails instead.)"
    )
    monkeypatch.setattr("tests.s3.REQUIRE_S3", True)
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_S3 is set but SeaweedFS could not start"):
        start_seaweedfs(bucket="unused")


def test_the_end_of_the_run_says_why_the_s3_tests_were_skipped():
    reason = "Skipped: S3 storage tests skipped: SeaweedFS could not start: no `weed` binary"
    report = SimpleNamespace(nodeid=f"{S3_TESTS}::test_x", longrepr=("file", 1, reason))
    reporter = mock.Mock(stats={"skipped": [report]})
    report_s3_skipped(reporter)
    reporter.write_sep.assert_called_once_with("-", reason.removeprefix("Skipped: "), yellow=True, bold=True)
