"""Backup and restore: the database and the private documents, with a manifest that proves a restore whole.

A backup is one folder:

    manifest.json     when, which database engine, every table's row count, every file's size and SHA-256
    database.dump     PostgreSQL: ``pg_dump -Fc`` (compressed; restored with ``pg_restore``)
    database.sqlite3  SQLite: a consistent copy made with SQLite's online backup API
    files/<name>      every file in ``STORAGES["private"]`` (the local folder or the bucket), by its storage name

On PostgreSQL the counts and the dump come from one snapshot (``pg_export_snapshot``
shared with ``pg_dump --snapshot``), so they agree even while people are sending
forms. Files are copied after the snapshot: a document is written before its row
commits, so every row in the dump has its file; a file that arrived later is
copied too and does no harm.

``restore`` loads a backup into an empty database and an empty storage, then
``verify`` compares them with the manifest: every table's count and every file's
SHA-256 must match, and every document row (``BACKUP_FILE_COLUMNS``) must find its
file with the hash the row recorded. The restore drill (``manage.py restore_drill``)
does both into a throwaway database and folder and removes them afterwards.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.core.files import File
from django.db import connection
from django.utils import timezone

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
FILES = "files"
CHUNK = 1024 * 1024


@dataclass
class Report:
    """What a verify found: the counts and hashes compared, and every difference."""

    tables: int = 0
    rows: int = 0
    files: int = 0
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems


# --- Taking a backup --------------------------------------------------------------------------------------


def create(directory, *, storage):
    """Write a backup of the default database and ``storage`` into ``directory`` (new or empty). Return the manifest."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise ValueError(f"{directory} is not empty: a backup goes into a new folder")
    vendor = connection.vendor
    if vendor == "postgresql":
        counts = _dump_postgresql(directory / PG_DUMP)
    elif vendor == "sqlite":
        counts = _copy_sqlite(directory / SQLITE_COPY)
    else:
        raise ValueError(f"no backup for the {vendor} database")
    if not counts:
        shutil.rmtree(directory)
        raise ValueError("the database has no tables: is DATABASE_URL the right one, and migrated?")
    files = {}
    for name in walk(storage):
        target = directory / FILES / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with storage.open(name, "rb") as source, open(target, "wb") as out:
            files[name] = _copy_hashing(source, out)
    manifest = {
        "created_at": timezone.now().isoformat(),
        "engine": vendor,
        "tables": counts,
        "files": files,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def _dump_postgresql(path):
    """``pg_dump -Fc`` of the default database and each table's count, both from one exported snapshot."""
    import psycopg2

    params = connection.get_connection_params()
    holder = psycopg2.connect(**params)
    try:
        holder.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            counts = _count_tables(cursor, _postgresql_tables(cursor))
            subprocess.run(
                ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={path}"],
                env=_libpq_env(connection.settings_dict),
                check=True,
                capture_output=True,
            )
    finally:
        holder.rollback()
        holder.close()
    return counts


def _copy_sqlite(path):
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
        # Counted in the copy itself, so the manifest describes exactly what was saved.
        cursor = target.cursor()
        return _count_tables(cursor, _sqlite_tables(cursor))
    finally:
        target.close()


def walk(storage, path=""):
    """Every file name in ``storage`` under ``path``, sorted, through the storage's own listing (folder or bucket)."""
    try:
        folders, files = storage.listdir(path)
    except FileNotFoundError:
        return []
    names = [f"{path}/{name}" if path else name for name in files]
    for folder in folders:
        names.extend(walk(storage, f"{path}/{folder}" if path else folder))
    return sorted(names)


# --- Restoring --------------------------------------------------------------------------------------------


def restore(directory, *, database_url, storage):
    """Load the backup in ``directory`` into the empty database at ``database_url`` and the empty ``storage``."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    target = dj_database_url.parse(database_url)
    engine = "postgresql" if "postgresql" in target["ENGINE"] else "sqlite"
    if engine != manifest["engine"]:
        raise ValueError(f"the backup is of a {manifest['engine']} database, the target is {engine}")
    if walk(storage):
        raise ValueError("the target storage is not empty: restore into an empty folder or bucket")
    if engine == "postgresql":
        if _postgresql_tables_at(target):
            raise ValueError("the target database is not empty: restore into a new, empty database")
        subprocess.run(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={target['NAME']}",
             str(directory / PG_DUMP)],
            env=_libpq_env(target), check=True, capture_output=True,
        )  # fmt: skip
        # pg_restore loads rows, not the planner's statistics: without them PostgreSQL plans every table as if
        # it were nearly empty (nested loops over whole tables) until autovacuum gets round to it, if it is on.
        with _raw_connection(target) as cursor:
            cursor.execute("ANALYZE")
            cursor.connection.commit()
    else:
        path = Path(target["NAME"])
        if path.exists() and path.stat().st_size:
            raise ValueError(f"{path} already exists: restore into a new file")
        shutil.copyfile(directory / SQLITE_COPY, path)
    for name in manifest["files"]:
        with open(directory / FILES / name, "rb") as handle:
            saved = storage.save(name, File(handle, name=name))
        if saved != name:
            raise ValueError(f"the storage saved {name} as {saved}")


def read_manifest(directory):
    return json.loads((Path(directory) / MANIFEST).read_text())


# --- Verifying --------------------------------------------------------------------------------------------


def verify(directory, *, database_url, storage):
    """Compare the database at ``database_url`` and ``storage`` with the backup's manifest."""
    manifest = read_manifest(directory)
    target = dj_database_url.parse(database_url)
    report = Report()
    with _raw_connection(target) as cursor:
        is_pg = "postgresql" in target["ENGINE"]
        tables = _postgresql_tables(cursor) if is_pg else _sqlite_tables(cursor)
        counts = _count_tables(cursor, tables)
        documents = _document_rows(cursor, set(tables))
    for table, expected in sorted(manifest["tables"].items()):
        found = counts.get(table)
        report.tables += 1
        report.rows += found or 0
        if found != expected:
            report.problems.append(f"table {table}: {found} rows, the backup has {expected}")
    for table in sorted(set(counts) - set(manifest["tables"])):
        report.problems.append(f"table {table} is not in the backup")
    hashes = {}
    for name in walk(storage):
        with storage.open(name, "rb") as handle:
            hashes[name] = _copy_hashing(handle, None)
    for name, expected in sorted(manifest["files"].items()):
        report.files += 1
        found = hashes.get(name)
        if found is None:
            report.problems.append(f"file {name} is missing")
        elif found["sha256"] != expected["sha256"]:
            report.problems.append(f"file {name}: SHA-256 differs from the backup's")
    for name in sorted(set(hashes) - set(manifest["files"])):
        report.problems.append(f"file {name} is not in the backup")
    for table, name, sha256 in documents:
        if name not in hashes:
            report.problems.append(f"{table}: a row names {name}, which is not in the storage")
        elif sha256 and hashes[name]["sha256"] != sha256:
            report.problems.append(f"{table}: {name} does not have the SHA-256 its row recorded")
    return report


def _document_rows(cursor, tables):
    """(table, file name, recorded SHA-256) for each row of each ``BACKUP_FILE_COLUMNS`` table present."""
    rows = []
    for table, file_column, hash_column in settings.BACKUP_FILE_COLUMNS:
        if table not in tables:
            continue
        cursor.execute(f'SELECT "{file_column}", "{hash_column}" FROM "{table}"')  # noqa: S608 (names from settings only)
        rows.extend((table, name, sha256) for name, sha256 in cursor.fetchall() if name)
    return rows


# --- Helpers ----------------------------------------------------------------------------------------------


def _copy_hashing(source, out):
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if out is not None:
            out.write(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _count_tables(cursor, tables):
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (catalogue names, never input)
        counts[table] = cursor.fetchone()[0]
    return counts


def _postgresql_tables(cursor):
    cursor.execute("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [name for (name,) in cursor.fetchall()]


def _sqlite_tables(cursor):
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [name for (name,) in cursor.fetchall()]


def _postgresql_tables_at(target):
    with _raw_connection(target) as cursor:
        return _postgresql_tables(cursor)


class _raw_connection:
    """A cursor on a database given by its settings, outside Django's connections (the restored copy)."""

    def __init__(self, target):
        self.target = target

    def __enter__(self):
        if "postgresql" in self.target["ENGINE"]:
            import psycopg2

            self.db = psycopg2.connect(
                dbname=self.target["NAME"],
                user=self.target.get("USER") or None,
                password=self.target.get("PASSWORD") or None,
                host=self.target.get("HOST") or None,
                port=self.target.get("PORT") or None,
            )
        else:
            self.db = sqlite3.connect(f"file:{self.target['NAME']}?mode=ro", uri=True)
        return self.db.cursor()

    def __exit__(self, *exc):
        self.db.close()


def _libpq_env(database):
    """The environment pg_dump and pg_restore read their connection from (no password on a command line)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    for key, variable in (("NAME", "PGDATABASE"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                          ("HOST", "PGHOST"), ("PORT", "PGPORT")):  # fmt: skip
        if database.get(key):
            env[variable] = str(database[key])
    return env
