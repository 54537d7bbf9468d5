"""What the bundle says about the patient's illness: the Condition, one Observation per answered
pre-screen item, and a DocumentReference per document (its size and hash, never its content)."""

import base64
import hashlib

from django.utils.text import capfirst
from django.utils.translation import gettext

from referrals.fhir import codes
from referrals.fhir.base import choice_concept, coding, compact, concept, instant
from referrals.models import Submission

# The earlier treatments asked as yes/no, each with its optional date: (flag field, code in our system).
EARLIER_TREATMENTS = [
    ("prior_cd19_therapy", "prior-cd19-therapy"),
    ("prior_car_t", "prior-car-t"),
    ("prior_transplant", "prior-transplant"),
]


def _label(field):
    return capfirst(str(Submission._meta.get_field(field).verbose_name))


def from_clinician(submission):
    """A physician referral is the clinician's word; what families send is theirs, to be confirmed."""
    return submission.kind == Submission.Kind.REFERRAL


def condition(submission, refs, *, asserter):
    """The diagnosis, or None when none was given (or the family was not sure)."""
    if not submission.diagnosis or submission.diagnosis == Submission.Diagnosis.UNSURE:
        return None
    if submission.diagnosis == Submission.Diagnosis.OTHER and submission.diagnosis_other:
        text = submission.diagnosis_other
    else:
        text = submission.get_diagnosis_display()
    relapse = submission.disease_status in codes.RELAPSE_STATUSES
    clinical = ("relapse", "Relapse") if relapse else ("active", "Active")
    verification = ("confirmed", "Confirmed") if from_clinician(submission) else ("unconfirmed", "Unconfirmed")
    return compact(
        {
            "resourceType": "Condition",
            "id": refs.id("Condition"),
            "clinicalStatus": concept(clinical[1], [coding(codes.CONDITION_CLINICAL, *clinical)]),
            "verificationStatus": concept(verification[1], [coding(codes.CONDITION_VERIFICATION, *verification)]),
            "code": concept(text, codes.diagnosis_codings(submission)),
            "subject": refs.to("Patient"),
            "recordedDate": instant(submission.received_at),
            "asserter": asserter,
        }
    )


def _category(code, display):
    return [concept(display, [coding(codes.OBSERVATION_CATEGORY, code, display)])]


class _Observations:
    """Builds the Observations for one submission, all with the same subject, status and performer."""

    def __init__(self, submission, refs, performer):
        self.submission, self.refs, self.performer = submission, refs, performer
        self.status = "final" if from_clinician(submission) else "preliminary"
        self.built = []

    def add(self, key, label, *, category=None, code=None, effective=None, **value):
        code = code or concept(label, [coding(codes.local_system("CodeSystem", "prescreen"), key, label)])
        self.built.append(
            compact(
                {
                    "resourceType": "Observation",
                    "id": self.refs.id("Observation", key),
                    "status": self.status,
                    "category": category,
                    "code": code,
                    "subject": self.refs.to("Patient"),
                    "effectiveDateTime": effective.isoformat() if effective else None,
                    "issued": instant(self.submission.received_at),
                    "performer": [self.performer] if self.performer else [],
                    **value,
                }
            )
        )

    def choice(self, field, key, answers, **extra):
        value = getattr(self.submission, field)
        label = getattr(self.submission, f"get_{field}_display")()
        self.add(key, _label(field), valueCodeableConcept=choice_concept(answers, value, label), **extra)


def observations(submission, refs, *, performer, asked):
    """One Observation per answered pre-screen item. ``asked``: the fields the submission's form asks.

    A yes/no question counts as answered when the form asked it (an unticked box is a "no"), or when it is yes.
    """
    s = submission
    built = _Observations(submission, refs, performer)
    laboratory = _category("laboratory", "Laboratory")
    if s.disease_status:
        built.choice("disease_status", "disease-status", "disease-status")
    if s.prior_lines_of_therapy is not None:
        built.add("prior-lines-of-therapy", _label("prior_lines_of_therapy"), valueInteger=s.prior_lines_of_therapy)
    if s.mrd_result or s.mrd_level is not None:
        built.add("mrd", gettext("Latest MRD"), category=laboratory, effective=s.mrd_date, **_mrd(s))
    if s.cd19_status:
        built.choice("cd19_status", "cd19-status", "antigen-expression", category=laboratory)
    if s.cd22_status:
        built.choice("cd22_status", "cd22-status", "antigen-expression", category=laboratory)
    for field, key in EARLIER_TREATMENTS:
        if getattr(s, field) or field in asked:
            when = getattr(s, f"{field}_date") if getattr(s, field) else None
            built.add(key, _label(field), effective=when, valueBoolean=getattr(s, field))
    if s.interpreter_needed or "interpreter_needed" in asked:
        code, display = codes.INTERPRETER_NEEDED
        built.add(
            "interpreter-needed",
            display,
            category=_category("social-history", "Social History"),
            code=concept(_label("interpreter_needed"), [coding(codes.LOINC, code, display)]),
            valueBoolean=s.interpreter_needed,
        )
    return built.built


def _mrd(submission):
    """The MRD value: the level in % (UCUM) when given, else detectable or not; its method and reading."""
    s = submission
    if s.mrd_level is not None:
        level = s.mrd_level.normalize()
        value = {"valueQuantity": {"value": float(level), "unit": "%", "system": codes.UCUM, "code": "%"}}
    else:
        value = {"valueCodeableConcept": choice_concept("mrd-result", s.mrd_result, s.get_mrd_result_display())}
    if s.mrd_result in codes.MRD_INTERPRETATION:
        code, display = codes.MRD_INTERPRETATION[s.mrd_result]
        value["interpretation"] = [concept(s.get_mrd_result_display(), [coding(codes.INTERPRETATION, code, display)])]
    if s.mrd_method:
        value["method"] = choice_concept("mrd-method", s.mrd_method, s.get_mrd_method_display())
    return value


def sha1_base64(attachment):
    """FHIR's Attachment.hash: the SHA-1 digest's bytes in base64. Read from the file (in chunks) on rows
    saved before the SHA-1 was kept; None when the file cannot be read."""
    hexdigest = attachment.sha1
    if not hexdigest:
        digest = hashlib.sha1(usedforsecurity=False)
        try:
            with attachment.file.open("rb") as handle:
                for chunk in handle.chunks():
                    digest.update(chunk)
        except Exception:  # OSError or ValueError on disk; botocore's own errors on object storage
            return None
        hexdigest = digest.hexdigest()
    return base64.b64encode(bytes.fromhex(hexdigest)).decode("ascii")


def document_reference(attachment, refs, *, context):
    """What a document is, its size and hash: never its content and never a link to it."""
    return compact(
        {
            "resourceType": "DocumentReference",
            "id": refs.id("DocumentReference", attachment.pk),
            "status": "current",
            "type": concept(attachment.get_record_item_display()) if attachment.record_item else None,
            "subject": refs.to("Patient"),
            "date": instant(attachment.uploaded_at),
            "description": str(attachment.get_source_display()),
            "content": [
                {
                    "attachment": compact(
                        {
                            "contentType": attachment.content_type,
                            "size": attachment.size,
                            "hash": sha1_base64(attachment),
                            "title": attachment.original_name,
                            "creation": instant(attachment.uploaded_at),
                        }
                    )
                }
            ],
            "context": {"related": [context]},
        }
    )
