"""Import studies from ClinicalTrials.gov API v2 JSON files (``programs.registry``).

Each file is imported whole or not at all; the others still import. Staff edits
are kept and reported, new studies arrive unpublished. Exits non-zero when any
file was not imported, after importing the good ones.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from programs.registry import FileReport, import_file
from programs.registry.report import ERROR, SUCCESS, ImportSummary, file_lines, total_line


class Command(BaseCommand):
    help = (
        "Import or refresh studies from ClinicalTrials.gov JSON files (API v2: one study, a list, or a page "
        "of results). Staff edits are kept; new studies are unpublished."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="JSON file downloaded from the registry.")

    def handle(self, *args, files, **options):
        summary = ImportSummary()
        for path in map(Path, files):
            try:
                data = path.read_bytes()
            except OSError as error:
                report = FileReport(name=str(path), errors=[f"{path}: {error.strerror or error}"])
            else:
                report = import_file(name=str(path), data=data)
            summary.files.append(report)
            for position, (level, text) in enumerate(file_lines(report)):
                # Each file's counts, then its details indented under them.
                self.say(level, text if position == 0 or level == ERROR else f"  {text}")
        level, total = total_line(summary)
        self.stdout.write(total, self.style.ERROR if level == ERROR else self.style.SUCCESS)
        if summary.failed:
            failed = ", ".join(summary.errors)
            raise CommandError(gettext("Not imported: %(files)s.") % {"files": failed})

    def say(self, level, text):
        if level == ERROR:
            self.stderr.write(text, self.style.ERROR)
        else:
            self.stdout.write(text, self.style.SUCCESS if level == SUCCESS else None)
