import secrets
import shutil
import tempfile
from pathlib import Path

from django.core.files.storage import FileSystemStorage, storages
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core import backup
from core.management.commands.restore_backup import write_report


class Command(BaseCommand):
    help = (
        "The restore drill: take a backup (or use --from), restore it into a throwaway database and folder, "
        "check every count and SHA-256 against the manifest, then remove the throwaway copies."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", help="An existing backup folder (default: take one now).")

    def handle(self, *args, source=None, **options):
        work = Path(tempfile.mkdtemp(prefix="cip-restore-drill-"))
        try:
            if source is None:
                source = work / "backup"
                backup.create(source, storage=storages["private"])
                self.stdout.write(f"Took a backup in {source}")
            with throwaway_database(work) as database_url:
                storage = FileSystemStorage(location=work / "files")
                backup.restore(source, database_url=database_url, storage=storage)
                report = backup.verify(source, database_url=database_url, storage=storage)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        write_report(self, report)
        if not report.ok:
            raise CommandError("The restore drill failed: the restored copy does not match the backup.")
        self.stdout.write("The restore drill passed: every count and every hash matches.")


class throwaway_database:
    """A new, empty database beside the configured one (PostgreSQL) or a new file (SQLite); dropped afterwards."""

    def __init__(self, work):
        self.work = work

    def __enter__(self):
        settings_dict = connection.settings_dict
        if connection.vendor == "sqlite":
            return f"sqlite:///{self.work / 'restored.sqlite3'}"
        self.name = f"{settings_dict['NAME']}_drill_{secrets.token_hex(4)}"
        self._admin(f'CREATE DATABASE "{self.name}"')
        user = settings_dict.get("USER") or ""
        password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
        host = settings_dict.get("HOST") or "localhost"
        port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
        return f"postgres://{user}{password}@{host}{port}/{self.name}"

    def __exit__(self, *exc):
        if connection.vendor != "sqlite":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _admin(self, statement):
        with connection._nodb_cursor() as cursor:  # Django's own way to reach the server's maintenance database
            cursor.execute(statement)
