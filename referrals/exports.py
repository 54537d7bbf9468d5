"""Submissions out of the building as CSV (the FHIR export is referrals.fhir).

The columns are the coordinators' own (reference, status, clocks) followed by
every question the intake forms ask, in the forms' order: a question added to
a form's sections appears here with nothing else to change. Headers are the
model fields' names in the exporting coordinator's language; choice codes
become their labels; every cell is neutralized against spreadsheet formulas.
"""

import csv
import itertools
import unicodedata

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import capfirst

from referrals.forms import INTAKE_FORMS, submission_fields
from referrals.models import Submission

# The coordinators' columns, before the submitted answers.
WORKFLOW_COLUMNS = [
    "reference",
    "kind",
    "status",
    "urgency",
    "received_at",
    "assigned_to",
    "language",
    "first_contacted_at",
    "decided_at",
    "consult_date",
    "decline_reason",
]

# Cells a spreadsheet would read as a formula (or a DDE payload) get a leading quote.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def export_columns():
    """Field names, in order: the workflow's, then each intake form's questions (each once)."""
    names = list(WORKFLOW_COLUMNS)
    for form_class in INTAKE_FORMS.values():
        names.extend(name for name in submission_fields(form_class.sections) if name not in names)
    return names


def csv_safe(value):
    """A cell value as text, neutralized so a spreadsheet never runs it as a formula.

    Spreadsheets skip leading spaces and read full-width signs as their ASCII
    twins, so the first visible character is judged after NFKC normalization.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA_PREFIXES) or unicodedata.normalize("NFKC", text).lstrip().startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text


def _cell_reader(field):
    """A function from a submission to the cell's raw value. Choice labels are looked up once per export."""
    if field.name == "assigned_to":
        return lambda submission: submission.assigned_to.get_username() if submission.assigned_to_id else ""
    if field.choices:
        labels = {value: str(label) for value, label in field.flatchoices}
        return lambda submission: labels.get(getattr(submission, field.attname), getattr(submission, field.attname))
    return lambda submission: getattr(submission, field.attname)


def export_rows(submissions):
    """Header, then one row per submission, every cell neutralized; the rows are streamed.

    The header is translated now, in the exporting coordinator's language, not
    later while the response streams (when no request's language is active).
    """
    fields = [Submission._meta.get_field(name) for name in export_columns()]
    header = [csv_safe(capfirst(str(field.verbose_name))) for field in fields]
    readers = [_cell_reader(field) for field in fields]
    rows = ([csv_safe(read(submission)) for read in readers] for submission in submissions)
    return itertools.chain([header], rows)


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value):
        return value


def csv_response(submissions, filename_stem="submissions"):
    """A streamed CSV download of ``submissions`` (any iterable of Submission rows)."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in export_rows(submissions)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{filename_stem}-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
