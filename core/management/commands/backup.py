from pathlib import Path

from django.conf import settings
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core import backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump -Fc, or a copy of the SQLite file) and every private document into a new "
        "folder, with a manifest of row counts and SHA-256 hashes that a restore is checked against."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", help="The new folder (default: BACKUP_DIR/<UTC date and time>).")

    def handle(self, *args, to=None, **options):
        directory = Path(to) if to else Path(settings.BACKUP_DIR) / timezone.now().strftime("%Y%m%dT%H%M%SZ")
        try:
            manifest = backup.create(directory, storage=storages["private"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["tables"].values())
        size = sum(entry["size"] for entry in manifest["files"].values())
        self.stdout.write(
            f"Backed up {rows} rows in {len(manifest['tables'])} tables and {len(manifest['files'])} files "
            f"({size} bytes) to {directory}"
        )
