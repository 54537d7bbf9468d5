"""Backup and restore (core/backup.py): a restore into an empty database and folder matches the backup exactly.

On PostgreSQL the real pg_dump and pg_restore run; on SQLite the online backup API.
A changed file, a missing file or a lost row is reported and fails the command.
"""

import hashlib
import json
import sqlite3

import pytest
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import CommandError, call_command
from django.db import connection

from core import backup
from referrals.models import Attachment, Submission
from tests.referrals.factories import make_attachment, make_submission

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def some_records():
    submissions = [make_submission() for _ in range(3)]
    for submission, content in [(0, b"first"), (0, b"second"), (2, b"third")]:
        content = b"%PDF-1.4 " + content + b"\n%%EOF\n"
        attachment = make_attachment(submissions[submission], content=content)
        Attachment.objects.filter(pk=attachment.pk).update(sha256=hashlib.sha256(content).hexdigest())
    return submissions


@pytest.fixture
def target(tmp_path):
    """An empty database and folder to restore into, removed afterwards."""
    from core.management.commands.restore_drill import throwaway_database

    holder = throwaway_database(tmp_path)
    url = holder.__enter__()
    yield url, FileSystemStorage(location=tmp_path / "restored-files")
    holder.__exit__(None, None, None)


def test_backup_then_restore_matches_every_count_and_hash(some_records, target, tmp_path):
    manifest = backup.create(tmp_path / "backup", storage=storages["private"])
    assert manifest["engine"] == connection.vendor
    assert manifest["tables"]["referrals_submission"] == 3
    assert manifest["tables"]["referrals_attachment"] == 3
    assert len(manifest["files"]) == 3
    for attachment in Attachment.objects.all():
        assert manifest["files"][attachment.file.name]["sha256"] == attachment.sha256

    url, storage = target
    backup.restore(tmp_path / "backup", database_url=url, storage=storage)
    report = backup.verify(tmp_path / "backup", database_url=url, storage=storage)
    assert report.problems == []
    assert (report.files, report.rows) == (3, sum(manifest["tables"].values()))
    assert report.tables == len(manifest["tables"]) > 10


def test_a_restored_postgresql_database_has_its_planner_statistics(some_records, target, tmp_path):
    """pg_restore loads rows, not statistics: until ANALYZE runs, PostgreSQL plans as if each table were empty.

    With autovacuum off or not yet round, that meant nested loops over whole tables (an export of 1,000
    selected submissions took 5 s at 8,000 rows); the restore analyzes what it loaded.
    """
    if connection.vendor != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")
    import psycopg2

    backup.create(tmp_path / "backup", storage=storages["private"])
    url, storage = target
    backup.restore(tmp_path / "backup", database_url=url, storage=storage)
    with psycopg2.connect(url) as db, db.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'referrals_submission'")
        assert cursor.fetchone()[0] == 3  # -1: never analyzed
        cursor.execute("SELECT COUNT(*) FROM pg_stats WHERE tablename = 'referrals_submission'")
        assert cursor.fetchone()[0] > 10  # a row per analyzed column
    db.close()


def test_a_changed_or_missing_file_and_a_lost_row_are_reported(some_records, target, tmp_path):
    backup.create(tmp_path / "backup", storage=storages["private"])
    url, storage = target
    backup.restore(tmp_path / "backup", database_url=url, storage=storage)
    names = backup.walk(storage)
    with open(storage.path(names[0]), "ab") as handle:
        handle.write(b"tampered")
    storage.delete(names[1])
    lose_a_row = "DELETE FROM referrals_recorditem WHERE id = (SELECT MIN(id) FROM referrals_recorditem)"
    if connection.vendor == "postgresql":
        import psycopg2

        with psycopg2.connect(url) as db, db.cursor() as cursor:
            cursor.execute(lose_a_row)
        db.close()
    else:
        with sqlite3.connect(backup.dj_database_url.parse(url)["NAME"]) as db:
            db.execute(lose_a_row)
        db.close()
    report = backup.verify(tmp_path / "backup", database_url=url, storage=storage)
    text = "\n".join(report.problems)
    assert f"file {names[0]}: SHA-256 differs" in text
    assert f"file {names[1]} is missing" in text
    assert "referrals_attachment: a row names" in text and "does not have the SHA-256 its row recorded" in text
    assert "table referrals_recorditem:" in text
    assert not report.ok


def test_restore_refuses_a_database_or_folder_that_is_not_empty(some_records, target, tmp_path):
    backup.create(tmp_path / "backup", storage=storages["private"])
    url, storage = target
    storage.save("documents/already-here.pdf", backup.File(open(__file__, "rb")))
    with pytest.raises(ValueError, match="storage is not empty"):
        backup.restore(tmp_path / "backup", database_url=url, storage=storage)
    with pytest.raises(ValueError, match="not empty"):
        backup.create(tmp_path / "backup", storage=storages["private"])  # never over an older backup


def test_the_commands_back_up_and_run_the_drill(some_records, tmp_path, capsys):
    call_command("backup", to=str(tmp_path / "made"))
    out = capsys.readouterr().out
    assert "and 3 files" in out and str(tmp_path / "made") in out
    manifest = json.loads((tmp_path / "made" / "manifest.json").read_text())
    assert manifest["tables"]["referrals_submission"] == Submission.objects.count()

    call_command("restore_drill", source=str(tmp_path / "made"))
    out = capsys.readouterr().out
    assert "The restore drill passed" in out
    assert "problems             0" in out


def test_the_drill_fails_when_the_backup_was_damaged(some_records, tmp_path):
    call_command("backup", to=str(tmp_path / "made"))
    damaged = next((tmp_path / "made" / "files").rglob("*.pdf"))
    damaged.write_bytes(b"%PDF-1.4 not what was saved\n")
    with pytest.raises(CommandError, match="restore drill failed"):
        call_command("restore_drill", source=str(tmp_path / "made"))
