"""Study matching: which recruiting studies could suit a referred patient. The rules live here, and only here.

A study could suit a patient when all of these hold:

1. the study is recruiting, and published (staff have checked it);
2. the patient's age in whole months on the day the form arrived is inside the
   study's limits (``programs.ages``: inclusive, no maximum means no limit);
3. the patient's diagnosis is one the study's conditions or keywords name
   (``DISEASE_TERMS``: "B-ALL", "Precursor B-cell lymphoblastic leukemia" and
   plain "acute lymphoblastic leukemia" all name B-ALL; a T-cell term never does);
4. the patient's leukemia is not negative for the only antigen the study's
   therapy targets (a CD19-negative patient never matches a CD19-only study; a
   study that targets CD19 and CD22 stays open to them).

``Criteria`` holds one study's reading of these rules. ``Criteria.admits`` says
whether one patient passes; the referrals queue builds its database filter from
the same ``Criteria`` fields (``SubmissionQuerySet.matching``), and a test holds
the two to the same answers. The diagnosis codes are the referral forms' own
(``Submission.Diagnosis``): a test checks they are the same strings.
"""

import re
from dataclasses import dataclass

B_ALL = "b_all"
B_LYMPHOMA = "b_lymphoma"
NEGATIVE = "negative"  # a marker status, as the referral forms store it

_T_CELL = re.compile(r"\bt (?:cell|lymphoblastic|all\b)|\bt lineage")
DISEASE_TERMS = {
    B_ALL: re.compile(
        r"\bb all\b|\bb cell all\b|\bbcp all\b|\bpre b\b|\bprecursor b\b|\bb precursor\b|\bb lymphoblastic\b"
        r"|\bb cell (?:precursor )?acute lymphoblastic\b|\bb cell leuka?emia\b|\bleuka?emia b cell\b"
        r"|\bacute lymphoblastic leuka?emia\b|\bacute lymphocytic leuka?emia\b|\blymphoblastic leuka?emia\b"
        r"|\bleuka?emia lymphocytic acute\b|\bprecursor cell lymphoblastic\b|^all\b"
    ),
    B_LYMPHOMA: re.compile(
        r"\bb cell (?:non hodgkin )?lymphoma|\blymphoma b cell\b|\blarge b cell\b|\bburkitt|\bnon hodgkin|\bnhl\b"
        r"|\bdlbcl\b|\bfollicular lymphoma|\bmantle cell lymphoma|\bprimary mediastinal"
    ),
}
# A comma splits two terms only when the part after it names a disease itself; otherwise it is an
# inverted term ("Leukemia, Lymphocytic, Acute", "Lymphoma, B-Cell").
_DISEASE_NOUN = re.compile(r"\b(?:leuka?emias?|lymphomas?|all|b all|nhl|dlbcl|malignanc(?:y|ies)|neoplasms?)\b")
# What a study's therapy targets. An antigen (or "CD19/CD22", "CD19 and CD22") counts when the words say the
# therapy is aimed at it ("anti-CD19", "CD19-directed", "CD19 CAR", "that target CD22"), never when they
# describe the disease ("CD19-negative") or an earlier treatment ("after treatment aimed at CD19").
_ANTIGENS = re.compile(r"\b(anti )?cd ?(?:19|20|22)(?:\s*(?:/|and|\+|,|or)\s*(?:anti )?cd ?(?:19|20|22))*\b")
_AIMED_AFTER = re.compile(
    r"^\s*(?:directed|targeted|targeting|specific|redirected|car\b|chimeric|bispecific|bivalent|tandem)"
)
_AIMED_BEFORE = re.compile(r"\b(?:target|targets|targeting|against)\s+(?:both\s+)?$")
_NOT_AIMED = re.compile(r"^\s*(?:negative|neg\b|dim|positive|expression|expressing|loss|escape)")
_PRODUCT_TARGETS = {
    "tisagenlecleucel": "CD19",
    "ctl019": "CD19",
    "kymriah": "CD19",
    "axicabtagene": "CD19",
    "brexucabtagene": "CD19",
    "lisocabtagene": "CD19",
    "obecabtagene": "CD19",
    "blinatumomab": "CD19",
    "inotuzumab": "CD22",
}


def normalise(text):
    """Lower case, hyphens and punctuation as spaces: "B-Cell Acute Lymphoblastic Leukemia" -> "b cell acute ..."."""
    return " ".join(re.sub(r"[^a-z0-9/+,]+", " ", (text or "").lower()).split())


def split_terms(text):
    """A study's conditions or keywords, one term each: split at lines and semicolons, and at commas between terms."""
    terms = []
    for line in re.split(r"[\n;]", text or ""):
        for part in line.split(","):
            if terms and terms[-1][1] is line and not _DISEASE_NOUN.search(normalise(part)):
                terms[-1] = (f"{terms[-1][0]},{part}", line)  # an inverted term's qualifier
            elif part.strip():
                terms.append((part, line))
    return [term.strip() for term, _line in terms if term.strip()]


def diseases_named(*texts):
    """The diagnosis codes any term in ``texts`` names. A term that names a T-cell disease names none."""
    found = set()
    for text in texts:
        for term in split_terms(text):
            words = " ".join(normalise(term).replace(",", " ").split())
            if _T_CELL.search(words):
                continue
            found.update(code for code, pattern in DISEASE_TERMS.items() if pattern.search(words))
    return frozenset(found)


def target_antigens_named(*texts):
    """``["CD19", "CD22"]``: the antigens ``texts`` say a therapy is aimed at, in order."""
    found = []
    for text in texts:
        words = normalise(text)
        for match in _ANTIGENS.finditer(words):
            after, before = words[match.end() :], words[: match.start()]
            if _NOT_AIMED.match(after):
                continue
            if match.group(1) or _AIMED_AFTER.match(after) or _AIMED_BEFORE.search(before):
                found.extend(f"CD{number}" for number in re.findall(r"cd ?(19|20|22)", match.group(0)))
        found.extend(antigen for product, antigen in _PRODUCT_TARGETS.items() if re.search(rf"\b{product}", words))
    return list(dict.fromkeys(found))


def antigens_in(text):
    """A stored ``target_antigens`` value ("CD19, CD22") as a set."""
    return frozenset(part.strip().upper().replace(" ", "") for part in re.split(r"[,/;]", text or "") if part.strip())


@dataclass(frozen=True)
class Criteria:
    """One recruiting study's limits, read once; ``admits`` applies them to one patient."""

    nct_number: str
    title: str
    min_months: int
    max_months: int | None
    diagnoses: frozenset
    excluded_cd19: frozenset  # marker statuses the study cannot take ({"negative"} for a CD19-only therapy)
    excluded_cd22: frozenset

    @classmethod
    def of(cls, study):
        targets = antigens_in(study.target_antigens)
        only = next(iter(targets)) if len(targets) == 1 else None
        return cls(
            nct_number=study.nct_number,
            title=study.title,
            min_months=study.min_age_months,
            max_months=study.max_age_months,
            diagnoses=diseases_named(study.conditions, study.keywords),
            excluded_cd19=frozenset({NEGATIVE}) if only == "CD19" else frozenset(),
            excluded_cd22=frozenset({NEGATIVE}) if only == "CD22" else frozenset(),
        )

    def admits(self, *, age_months, diagnosis, cd19_status="", cd22_status=""):
        if age_months is None or age_months < self.min_months:
            return False
        if self.max_months is not None and age_months > self.max_months:
            return False
        return (
            diagnosis in self.diagnoses
            and cd19_status not in self.excluded_cd19
            and cd22_status not in self.excluded_cd22
        )
