from django.conf import settings
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = (
        "Restore a backup into the configured database and private storage, which must both be empty "
        "(a new database, a new folder or bucket), then check every count and hash against its manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="The backup's folder (made by `manage.py backup`).")

    def handle(self, *args, directory, **options):
        database_url = settings.DATABASE_URL_EFFECTIVE
        storage = storages["private"]
        try:
            backup.restore(directory, database_url=database_url, storage=storage)
        except (ValueError, OSError) as error:
            raise CommandError(str(error)) from error
        report = backup.verify(directory, database_url=database_url, storage=storage)
        write_report(self, report)
        if not report.ok:
            raise CommandError("The restore does not match the backup.")


def write_report(command, report):
    command.stdout.write(f"{'tables':<10}{report.tables:>12}")
    command.stdout.write(f"{'rows':<10}{report.rows:>12}")
    command.stdout.write(f"{'files':<10}{report.files:>12}")
    command.stdout.write(f"{'problems':<10}{len(report.problems):>12}")
    for problem in report.problems:
        command.stderr.write(f"  {problem}")
