"""Uploads go through STORAGES["private"]: which storage holds the documents is a setting, not code."""

import pytest
from django.core.files.storage import InMemoryStorage
from django.urls import reverse
from django.utils.functional import empty

from referrals.forms import SecondOpinionForm
from referrals.models import Attachment, private_storage
from referrals.services import intake
from tests.referrals.factories import PDF, second_opinion_data, stored_files, upload, valid_form


@pytest.fixture
def in_memory_private_storage(settings):
    settings.STORAGES = {**settings.STORAGES, "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    private_storage()._wrapped = empty
    yield
    private_storage()._wrapped = empty


@pytest.mark.django_db
def test_the_private_storage_setting_decides_where_documents_go(
    in_memory_private_storage, settings, coordinator_client
):
    form = valid_form(SecondOpinionForm, second_opinion_data(), files=[upload()])
    submission = intake.submit(form=form, files=form.cleaned_data["documents"])
    attachment = Attachment.objects.get(submission=submission)
    assert isinstance(private_storage()._wrapped, InMemoryStorage)
    assert private_storage().exists(attachment.file.name)
    assert stored_files(settings) == []  # nothing written to the local private folder
    response = coordinator_client.get(reverse("admin:referrals_attachment_download", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.django_db
def test_by_default_documents_go_to_the_private_folder_and_no_url_serves_them(settings, client):
    form = valid_form(SecondOpinionForm, second_opinion_data(), files=[upload()])
    submission = intake.submit(form=form, files=form.cleaned_data["documents"])
    attachment = Attachment.objects.get(submission=submission)
    path = settings.PRIVATE_MEDIA_ROOT / attachment.file.name
    assert path.read_bytes() == PDF
    assert (path.stat().st_mode & 0o777) == 0o600
    assert client.get("/" + attachment.file.name).status_code == 404
    assert client.get(attachment.file.url).status_code == 404
