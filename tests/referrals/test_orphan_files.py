"""The orphan sweep: a document written by a process killed before its row committed is removed, and only that."""

import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from referrals.models import private_storage

from .factories import PDF, make_attachment, make_submission

pytestmark = pytest.mark.django_db


def test_only_old_files_no_row_names_are_removed(capsys):
    storage = private_storage()
    kept = make_attachment(make_submission(), content=PDF)
    orphan = storage.save("documents/2026/12/left-by-a-killed-worker.pdf", ContentFile(PDF))
    fresh = storage.save("documents/2026/12/still-committing.pdf", ContentFile(PDF))
    outside = storage.save("elsewhere/not-a-document.pdf", ContentFile(PDF))
    now = time.time()
    for name, minutes_ago in ((kept.file.name, 120), (orphan, 61), (fresh, 30), (outside, 120)):
        os.utime(storage.path(name), (now - minutes_ago * 60, now - minutes_ago * 60))
    call_command("remove_orphan_files")
    assert "Removed 1 orphan document(s)." in capsys.readouterr().out
    assert not storage.exists(orphan)
    # Named by a row, too young (its request may still be committing), or not a document: all kept.
    assert storage.exists(kept.file.name) and storage.exists(fresh) and storage.exists(outside)


def test_a_short_age_for_a_drill(capsys):
    storage = private_storage()
    orphan = storage.save("documents/2026/12/orphan.pdf", ContentFile(PDF))
    call_command("remove_orphan_files", older_than=0)
    assert not storage.exists(orphan)
