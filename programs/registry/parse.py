"""Read ClinicalTrials.gov API v2 JSON into the values a ``Study`` row holds. Nothing here touches the database.

A file holds one study object (``/api/v2/studies/NCT…``), a list of them, or a
page of search results (``{"studies": [...], "nextPageToken": "…"}``; the token
is ignored: save each page as its own file). ``parse_file`` reads every study
and returns either all their values or every problem found, each naming the
file, the study and the JSON path, so that a file with any problem imports
nothing.
"""

import datetime
import json
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext

from programs.ages import parse_age
from programs.matching import target_antigens_named
from programs.models import Study, nct_validator
from programs.models.choices import StudyPhase, StudyStatus

DATE_RE = re.compile(r"\A([0-9]{4})-([0-9]{2})(?:-([0-9]{2}))?\Z")
CONDITIONS_MAX = Study._meta.get_field("conditions").max_length
TITLE_MAX = Study._meta.get_field("title").max_length
CONTACT_KEYS = ("name", "role", "phone", "email")

STATUSES = {
    "NOT_YET_RECRUITING": StudyStatus.NOT_YET_RECRUITING,
    "RECRUITING": StudyStatus.RECRUITING,
    "ENROLLING_BY_INVITATION": StudyStatus.ENROLLING_BY_INVITATION,
    "ACTIVE_NOT_RECRUITING": StudyStatus.ACTIVE_NOT_RECRUITING,
    "SUSPENDED": StudyStatus.SUSPENDED,
    "COMPLETED": StudyStatus.COMPLETED,
    "TERMINATED": StudyStatus.TERMINATED,
    "WITHDRAWN": StudyStatus.WITHDRAWN,
    "UNKNOWN": StudyStatus.UNKNOWN,
}
# Expanded access (a treatment outside a trial) is not a study a family can join: skipped, not an error.
EXPANDED_ACCESS_STATUSES = {
    "AVAILABLE",
    "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE",
    "APPROVED_FOR_MARKETING",
    "WITHHELD",
}
# The registry's list of phases, sorted, to ours. Observational studies have none: not applicable.
PHASES = {
    (): StudyPhase.NOT_APPLICABLE,
    ("NA",): StudyPhase.NOT_APPLICABLE,
    ("EARLY_PHASE1",): StudyPhase.EARLY_PHASE_1,
    ("PHASE1",): StudyPhase.PHASE_1,
    ("PHASE1", "PHASE2"): StudyPhase.PHASE_1_2,
    ("PHASE2",): StudyPhase.PHASE_2,
    ("PHASE2", "PHASE3"): StudyPhase.PHASE_2_3,
    ("PHASE3",): StudyPhase.PHASE_3,
    ("PHASE4",): StudyPhase.PHASE_4,
}

IDENTIFICATION = "protocolSection.identificationModule"
STATUS = "protocolSection.statusModule"
ELIGIBILITY = "protocolSection.eligibilityModule"
CONDITIONS = "protocolSection.conditionsModule"
CONTACTS = "protocolSection.contactsLocationsModule"


@dataclass(frozen=True)
class RegistryStudy:
    """One study as the registry gives it: the values of ``service.IMPORTED_FIELDS``, or why it is skipped."""

    nct_number: str
    label: str  # "studies.json: study 2 (NCT02435849)", for messages
    values: dict = field(default_factory=dict)
    skip_reason: str = ""
    notes: tuple = ()


@dataclass
class ParsedFile:
    name: str
    studies: list = field(default_factory=list)
    errors: list = field(default_factory=list)


class StudyReader:
    """Reads one study object, noting each problem (one per JSON path) instead of stopping at the first."""

    def __init__(self, data):
        self.data = data
        self.problems = {}

    def problem(self, path, message):
        self.problems.setdefault(path, message)

    def get(self, path, kind, *, required=False):
        """The value at ``path`` ("a.b.c") if it is a ``kind``; None if absent (or wrong, noting the problem)."""
        node, walked = self.data, []
        for key in path.split("."):
            if not isinstance(node, dict):
                self.problem(".".join(walked), gettext("expected an object."))
                return None
            walked.append(key)
            node = node.get(key)
            if node is None:
                if required:
                    self.problem(path, gettext("missing."))
                return None
        if not isinstance(node, kind):
            self.problem(path, type_message(kind))
            return None
        return node

    def text(self, path, *, required=False):
        value = self.get(path, str, required=required)
        if required and value is not None and not value.strip():
            self.problem(path, gettext("missing."))
        return tidy(value or "")

    def texts(self, path):
        """A list of strings (``conditions``, ``phases``): each item checked."""
        values = self.get(path, list) or []
        for position, value in enumerate(values):
            if not isinstance(value, str):
                self.problem(f"{path}[{position}]", type_message(str))
                return []
        return [tidy(value) for value in values if value.strip()]

    def objects(self, path):
        values = self.get(path, list) or []
        for position, value in enumerate(values):
            if not isinstance(value, dict):
                self.problem(f"{path}[{position}]", type_message(dict))
                return []
        return values


def type_message(kind):
    names = {str: gettext("text"), list: gettext("a list"), dict: gettext("an object")}
    return gettext("expected %(kind)s.") % {"kind": names[kind]}


def tidy(text):
    """The registry's text with line ends as \\n and no space around it (what a form field would keep)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def parse_file(name, data):
    """``ParsedFile`` for the bytes (or text) ``data`` of the file called ``name``."""
    parsed = ParsedFile(name=name)
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        parsed.errors.append(f"{name}: " + gettext("not UTF-8 text. Save the registry's JSON as it was downloaded."))
        return parsed
    try:
        content = json.loads(text)
    except json.JSONDecodeError as error:
        parsed.errors.append(
            f"{name}: "
            + gettext("not valid JSON (line %(line)d, column %(column)d: %(problem)s).")
            % {"line": error.lineno, "column": error.colno, "problem": error.msg}
        )
        return parsed
    except RecursionError:
        parsed.errors.append(f"{name}: " + gettext("not valid JSON (nested too deeply)."))
        return parsed

    if isinstance(content, dict) and "studies" in content:
        content = content["studies"]
    elif isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        parsed.errors.append(
            f"{name}: " + gettext('expected a study, a list of studies or a page of results ({"studies": [...]}).')
        )
        return parsed

    seen = {}
    for position, data in enumerate(content, start=1):
        label = f"{name}: " + gettext("study %(position)d") % {"position": position}
        if not isinstance(data, dict):
            parsed.errors.append(f"{label}: " + type_message(dict))
            continue
        study, problems = read_study(data, label)
        parsed.errors += [f"{study.label}: {path}: {message}" for path, message in problems.items()]
        if study.nct_number in seen:
            parsed.errors.append(
                f"{study.label}: {IDENTIFICATION}.nctId: "
                + gettext("the same study as study %(position)d in this file.") % {"position": seen[study.nct_number]}
            )
        elif study.nct_number:
            seen[study.nct_number] = position
        if not problems:
            parsed.studies.append(study)
    if parsed.errors:
        parsed.studies = []
    return parsed


def read_study(data, label):
    """``(RegistryStudy, {path: problem})`` for one study object."""
    reader = StudyReader(data)
    nct = reader.text(f"{IDENTIFICATION}.nctId", required=True)
    if nct and not nct_validator.regex.match(nct):
        reader.problem(
            f"{IDENTIFICATION}.nctId",
            gettext("“%(value)s” is not an NCT number (NCT followed by 8 digits).") % {"value": nct[:40]},
        )
    elif nct:
        label = f"{label} ({nct})"

    status = reader.text(f"{STATUS}.overallStatus", required=True)
    if status in EXPANDED_ACCESS_STATUSES:
        reason = gettext("expanded access (%(status)s), not a clinical study families can join: not imported.") % {
            "status": status
        }
        return RegistryStudy(nct_number=nct, label=label, skip_reason=reason), reader.problems
    if status and status not in STATUSES:
        reader.problem(f"{STATUS}.overallStatus", unknown_value(status, STATUSES))

    brief_title = reader.text(f"{IDENTIFICATION}.briefTitle")
    official_title = reader.text(f"{IDENTIFICATION}.officialTitle")
    title = " ".join((brief_title or official_title).split())
    if not title:
        reader.problem(f"{IDENTIFICATION}.briefTitle", gettext("missing."))
    elif len(title) > TITLE_MAX:
        reader.problem(
            f"{IDENTIFICATION}.briefTitle" if brief_title else f"{IDENTIFICATION}.officialTitle",
            gettext("longer than %(max)d characters.") % {"max": TITLE_MAX},
        )

    phases = tuple(sorted(set(reader.texts("protocolSection.designModule.phases"))))
    if phases not in PHASES:
        reader.problem("protocolSection.designModule.phases", unknown_value(", ".join(phases), PHASES))

    conditions, dropped = fit_terms(reader.texts(f"{CONDITIONS}.conditions"), CONDITIONS_MAX)
    keywords = reader.texts(f"{CONDITIONS}.keywords")
    interventions = reader.objects("protocolSection.armsInterventionsModule.interventions")
    intervention_texts = []
    for position, intervention in enumerate(interventions):
        path = f"protocolSection.armsInterventionsModule.interventions[{position}]"
        item = StudyReader(intervention)
        intervention_texts += [item.text("name"), item.text("description"), *item.texts("otherNames")]
        for key, message in item.problems.items():
            reader.problem(f"{path}.{key}", message)

    values = {
        "title_en": title,
        "status": STATUSES.get(status, ""),
        "phase": PHASES.get(phases, ""),
        "minimum_age": age_limit(reader, f"{ELIGIBILITY}.minimumAge", default="0 Years"),
        "maximum_age": age_limit(reader, f"{ELIGIBILITY}.maximumAge", default=""),
        "conditions": ", ".join(conditions),
        "keywords": "\n".join(keywords),
        "eligibility_criteria": reader.text(f"{ELIGIBILITY}.eligibilityCriteria"),
        "locations_count": locations_count(reader),
        "central_contacts": central_contacts(reader),
        "registry_updated_on": registry_date(reader, f"{STATUS}.lastUpdatePostDateStruct.date"),
        "target_antigens": ", ".join(
            target_antigens_named(brief_title, official_title, *keywords, *intervention_texts)
        ),
    }
    check_age_range(reader, values)
    notes = ()
    if dropped:
        message = ngettext(
            "conditions: %(count)d term left out to fit %(max)d characters: %(terms)s.",
            "conditions: %(count)d terms left out to fit %(max)d characters: %(terms)s.",
            len(dropped),
        )
        notes = (message % {"count": len(dropped), "max": CONDITIONS_MAX, "terms": "; ".join(dropped)},)
    return RegistryStudy(nct_number=nct, label=label, values=values, notes=notes), reader.problems


def unknown_value(value, known):
    choices = ", ".join(" + ".join(key) if isinstance(key, tuple) else key for key in known if key)
    return gettext("“%(value)s” is not one of: %(choices)s.") % {"value": value[:60], "choices": choices}


def fit_terms(terms, limit):
    """``(kept, dropped)``: the terms, in order, whose ", "-joined text fits in ``limit`` characters."""
    kept, dropped = [], []
    for term in terms:
        if len(", ".join([*kept, term])) <= limit:
            kept.append(term)
        else:
            dropped.append(term)
    return kept, dropped


def age_limit(reader, path, *, default):
    """The registry's age text in its own spelling ("18 Months"); ``default`` when absent or "N/A"."""
    text = reader.text(path)
    try:
        limit = parse_age(text)
    except ValidationError as error:
        reader.problem(path, " ".join(error.messages))
        return default
    return str(limit) if limit else default


def check_age_range(reader, values):
    low, high = parse_age(values["minimum_age"]), parse_age(values["maximum_age"])
    if high is not None and low.months(as_maximum=False) > high.months(as_maximum=True):
        reader.problem(
            f"{ELIGIBILITY}.maximumAge",
            gettext("“%(max)s” is below the minimum age, “%(min)s”.")
            % {"max": values["maximum_age"], "min": values["minimum_age"]},
        )


def locations_count(reader):
    if reader.get(f"{CONTACTS}.locations", list) is None:
        return None  # the registry lists no locations
    return len(reader.objects(f"{CONTACTS}.locations"))


def central_contacts(reader):
    """Each central contact's name, role, phone and email (as text, "" when absent); nothing else."""
    contacts = []
    for position, contact in enumerate(reader.objects(f"{CONTACTS}.centralContacts")):
        item = StudyReader(contact)
        contacts.append({key: item.text(key) for key in CONTACT_KEYS})
        for key, message in item.problems.items():
            reader.problem(f"{CONTACTS}.centralContacts[{position}].{key}", message)
    return contacts


def registry_date(reader, path):
    """Registry date text as a date: "2024-05-01", or a month alone ("2024-05") as its first day."""
    text = reader.text(path)
    if not text:
        return None
    match = DATE_RE.match(text)
    try:
        if not match:
            raise ValueError
        return datetime.date(int(match[1]), int(match[2]), int(match[3] or 1))
    except ValueError:
        reader.problem(path, gettext("“%(value)s” is not a date (YYYY-MM-DD or YYYY-MM).") % {"value": text[:40]})
        return None
