"""Submissions out of the building as CSV (the FHIR export is referrals.fhir).

The columns are the coordinators' own (reference, status, clocks) followed by
every question the intake forms ask, in the forms' order: a question added to
a form's sections appears here with nothing else to change. Headers are the
model fields' names in the exporting coordinator's language; choice codes
become their labels; every cell is neutralized against spreadsheet formulas.

The rows are streamed: the database is read in chunks of plain tuples (only
the exported columns, the coordinator's user name by a join), each column's
labels are looked up once per export, and the CSV goes out a chunk of rows at
a time. Memory stays the same whatever the number of submissions.
"""

import csv
import io
import unicodedata

from django.contrib.auth import get_user_model
from django.db.models import CharField, ExpressionWrapper, F
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

# Rows read from the database at a time, and rows per streamed piece of the response.
FETCH_ROWS = 2000
ROWS_PER_CHUNK = 500
# Converted values remembered per column (a clinic's phone recurs); cleared when full, so memory stays bounded.
_MEMO_SIZE = 4096

# Cells a spreadsheet would read as a formula (or a DDE payload) get a leading quote.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
_FORMULA_SIGNS = "=+-@"


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
    if not text:
        return text
    first = text[0]
    if first < "\x7f" and not first.isspace():
        # A visible ASCII first character stays itself under NFKC (combining marks never make it a sign).
        return "'" + text if first in _FORMULA_SIGNS else text
    if text.startswith(_FORMULA_PREFIXES) or unicodedata.normalize("NFKC", text).lstrip().startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text


def _memoized(convert):
    memo = {}

    def cell(value):
        try:
            return memo[value]
        except KeyError:
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            memo[value] = text = convert(value)
            return text

    return cell


def _column(field):
    """``(what the query reads, a function from the value read to the cell's text)`` for one model field.

    Choice labels (and yes/no) are made once per export, not per cell: in a
    loop over thousands of rows ``get_FOO_display()`` dominated the export.
    """
    if field.name == "assigned_to":
        return f"assigned_to__{get_user_model().USERNAME_FIELD}", csv_safe
    if field.choices:
        labels = {value: csv_safe(str(label)) for value, label in field.flatchoices}
        return field.attname, lambda value: labels[value] if value in labels else csv_safe(value)
    if hasattr(field, "from_db_value"):
        # A field that converts what the database holds (a phone number, formatted as the model shows it):
        # read the stored text and convert each distinct value once.
        raw = ExpressionWrapper(F(field.attname), output_field=CharField())
        return raw, _memoized(lambda value: csv_safe(field.from_db_value(value, None, None) if value else value))
    return field.attname, csv_safe


def export_header(fields=None):
    """The header row: the fields' names, in the active language."""
    fields = fields or [Submission._meta.get_field(name) for name in export_columns()]
    return [csv_safe(capfirst(str(field.verbose_name))) for field in fields]


def export_rows(submissions):
    """Header, then one row per submission of the queryset ``submissions``, every cell neutralized; streamed.

    The header is translated now, in the exporting coordinator's language, not
    later while the response streams (when no request's language is active).
    """
    fields = [Submission._meta.get_field(name) for name in export_columns()]
    header = export_header(fields)
    reads, cells = zip(*(_column(field) for field in fields), strict=True)

    def rows():
        yield header
        for values in submissions.values_list(*reads).iterator(chunk_size=FETCH_ROWS):
            yield [cell(value) for cell, value in zip(cells, values, strict=True)]

    return rows()


def csv_chunks(rows, rows_per_chunk=ROWS_PER_CHUNK):
    """The CSV text of ``rows``, ``rows_per_chunk`` rows per piece."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    pending = 0
    for row in rows:
        writer.writerow(row)
        pending += 1
        if pending == rows_per_chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue()


def csv_response(submissions, filename_stem="submissions"):
    """A streamed CSV download of the queryset ``submissions``; it is read while the response is sent."""
    response = StreamingHttpResponse(csv_chunks(export_rows(submissions)), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{filename_stem}-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
