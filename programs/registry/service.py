"""Write studies read from the registry (``parse``), keeping what staff changed by hand.

``Study.imported_values`` holds each field's value as last imported. On the next
import a field whose current value still equals it takes the registry's new
value; one that differs was edited by staff and is kept (and reported). A field
never imported before takes the registry's value, except the title of a row
that already has one (the site's titles are plain-language rewrites, not the
registry's) and target antigens staff named where the registry names none. New rows are created unpublished: the public needs the staff's
plain-language summary and contact first (``Study.clean``).

Each file is checked whole, then written in one transaction: a file with any
problem imports nothing, and the other files still import.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from programs.ages import parse_age
from programs.models import Study

from .parse import ELIGIBILITY, parse_file
from .report import FileReport, ImportSummary

# The fields the registry fills, in the order they are reported.
IMPORTED_FIELDS = (
    "title_en",
    "status",
    "phase",
    "minimum_age",
    "maximum_age",
    "conditions",
    "keywords",
    "eligibility_criteria",
    "locations_count",
    "central_contacts",
    "registry_updated_on",
    "target_antigens",
)


class Refused(Exception):
    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def import_studies(*, files):
    """Import each ``(name, bytes)`` of ``files`` on its own; return an ``ImportSummary``."""
    return ImportSummary(files=[import_file(name=name, data=data) for name, data in files])


def import_file(*, name, data):
    parsed = parse_file(name, data)
    if parsed.errors:
        return FileReport(name=name, errors=parsed.errors)
    report = FileReport(name=name)
    try:
        with transaction.atomic():
            write(parsed.studies, report)
    except Refused as refused:
        return FileReport(name=name, errors=refused.errors)
    return report


def write(studies, report):
    """Merge every study first, refusing the file on any problem; then save them."""
    numbers = [study.nct_number for study in studies if not study.skip_reason]
    existing = {row.nct_number: row for row in Study.objects.select_for_update().filter(nct_number__in=numbers)}
    plans, errors = [], []
    for study in studies:
        if study.skip_reason:
            report.skipped[study.nct_number] = study.skip_reason
            continue
        row = existing.get(study.nct_number)
        is_new = row is None
        if is_new:
            row = Study(nct_number=study.nct_number, published=False)
        changed, kept = merge(row, study.values, is_new=is_new)
        problem = age_range_problem(row, kept)
        if problem:
            errors.append(f"{study.label}: {ELIGIBILITY}.{problem}")
        plans.append((study, row, is_new, changed, kept))
    if errors:
        raise Refused(errors)

    for study, row, is_new, changed, kept in plans:
        imported = {name: as_json(study.values[name]) for name in IMPORTED_FIELDS}
        if is_new or changed:
            row.imported_values = imported
            row.save()
            (report.created if is_new else report.updated).append(row.nct_number)
        else:
            if row.imported_values != imported:
                row.imported_values = imported
                row.save(update_fields=["imported_values"])
            report.unchanged.append(row.nct_number)
        if kept:
            report.kept[row.nct_number] = [label(name) for name in kept]
        if study.notes:
            report.notes[row.nct_number] = list(study.notes)


def merge(row, values, *, is_new):
    """Set on ``row`` each registry value staff have not changed; return ``(changed, kept)`` field names."""
    previous = row.imported_values or {}
    changed, kept = [], []
    for name in IMPORTED_FIELDS:
        current, value = getattr(row, name), values[name]
        if same(current, value):
            continue
        if is_new:
            take = True
        elif name in previous:
            take = same(current, previous[name])
        else:
            # The site's own title is a plain-language rewrite; antigens staff named stay when the registry names none.
            has_own = bool((current or "").strip()) if isinstance(current, str) else False
            take = not (has_own and (name == "title_en" or (name == "target_antigens" and not value)))
        if take:
            setattr(row, name, value)
            changed.append(name)
        else:
            kept.append(name)
    return changed, kept


def age_range_problem(row, kept):
    """A staff-edited age kept beside the registry's other limit must still make a range."""
    try:
        low, high = parse_age(row.minimum_age), parse_age(row.maximum_age)
    except ValidationError:
        return ""  # the field's own validator keeps such text out
    if low is None or high is None or low.months(as_maximum=False) <= high.months(as_maximum=True):
        return ""
    path = "minimumAge" if "maximum_age" in kept else "maximumAge"
    return f"{path}: " + gettext(
        "the ages would run from “%(min)s” to “%(max)s”, because the site's %(field)s was edited by staff. "
        "Correct the study's ages on the site, then import this file again."
    ) % {
        "min": row.minimum_age,
        "max": row.maximum_age,
        "field": label("maximum_age" if "maximum_age" in kept else "minimum_age"),
    }


def as_json(value):
    """A value as ``imported_values`` holds it: dates as ISO text."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def comparable(value):
    value = as_json(value)
    if isinstance(value, str):
        # A form saves text with \r\n line ends and no surrounding space: that is not an edit.
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return value


def same(current, value):
    return comparable(current) == comparable(value)


def label(name):
    return str(Study._meta.get_field(name).verbose_name)
