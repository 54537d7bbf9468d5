"""What the FHIR export says in codes: the systems it names, and every mapping from our choices to theirs.

One table per fact. External codes appear here only once verified against a
published source (see each comment); an answer without a verified code is sent
as text, or under one of our own systems (``local_system``), never guessed.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from referrals.models import Submission

# --- Systems --------------------------------------------------------------------------

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
NPI = "http://hl7.org/fhir/sid/us-npi"
BCP47 = "urn:ietf:bcp:47"
URI = "urn:ietf:rfc:3986"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"


def local_system(kind, name):
    """One of our own systems, under the site's address: ``local_system("CodeSystem", "prescreen")``."""
    return f"{settings.SITE_URL}/fhir/{kind}/{name}"


# --- The workflow -----------------------------------------------------------------------
# One row per workflow status: (ServiceRequest.status, Task.status). Task.businessStatus
# carries our own status code beside it, so nothing is lost in the mapping.
#   - Open statuses keep the request active; the Task says how far the review got.
#   - Accepted: the consult is booked, the request still stands (active); the Task is accepted.
#   - Declined: the request ends unfulfilled (revoked); the Task is rejected by its performer.
#   - Closed means withdrawn (its label says so): revoked / cancelled, never "completed".
#   - Answered (messages only): the request or message is done: completed / completed.
STATUS_MAP = {
    Submission.Status.NEW: ("active", "requested"),
    Submission.Status.IN_REVIEW: ("active", "received"),
    Submission.Status.AWAITING_RECORDS: ("active", "on-hold"),
    Submission.Status.ACCEPTED: ("active", "accepted"),
    Submission.Status.DECLINED: ("revoked", "rejected"),
    Submission.Status.CLOSED: ("revoked", "cancelled"),
    Submission.Status.ANSWERED: ("completed", "completed"),
}

PRIORITY = {Submission.Urgency.ROUTINE: "routine", Submission.Urgency.URGENT: "urgent"}

# A clinician's referral is an order; a family's request is a proposal until the team takes it up.
INTENT = {
    Submission.Kind.REFERRAL: "order",
    Submission.Kind.SECOND_OPINION: "proposal",
    Submission.Kind.EXISTING_PATIENT: "proposal",
}

# --- The diagnosis ----------------------------------------------------------------------
# SNOMED CT, verified: 277571004 |B-cell acute lymphoblastic leukemia (disorder)| (HL7 mCODE's
# pediatric ALL example); 109979007 |B-cell lymphoma (disorder)| (SNOMED International's query
# service test data, and value sets listing both).
SNOMED_DIAGNOSIS = {
    Submission.Diagnosis.B_ALL: ("277571004", "B-cell acute lymphoblastic leukemia"),
    Submission.Diagnosis.B_LYMPHOMA: ("109979007", "B-cell lymphoma"),
}
# ICD-10-CM, verified against the code book (FY2026): C91.0x is acute lymphoblastic leukemia
# (all lineages: ICD-10-CM has no B-ALL code), its fifth character the remission status;
# C85.10 is "Unspecified B-cell lymphoma, unspecified site". ALL is coded only when the
# disease status says which fifth character applies; MRD-positive can be either.
ICD10CM_ALL = {
    Submission.DiseaseStatus.FIRST_RELAPSE: ("C91.02", "Acute lymphoblastic leukemia, in relapse"),
    Submission.DiseaseStatus.SECOND_RELAPSE: ("C91.02", "Acute lymphoblastic leukemia, in relapse"),
    Submission.DiseaseStatus.REFRACTORY: ("C91.00", "Acute lymphoblastic leukemia not having achieved remission"),
}
ICD10CM_LYMPHOMA = ("C85.10", "Unspecified B-cell lymphoma, unspecified site")

RELAPSE_STATUSES = {Submission.DiseaseStatus.FIRST_RELAPSE, Submission.DiseaseStatus.SECOND_RELAPSE}


def diagnosis_codings(submission):
    """The verified codings for the submission's diagnosis (none for "other" and "not sure")."""
    codings = []
    if submission.diagnosis == Submission.Diagnosis.B_ALL and submission.disease_status in ICD10CM_ALL:
        code, display = ICD10CM_ALL[submission.disease_status]
        codings.append({"system": ICD10CM, "code": code, "display": display})
    elif submission.diagnosis == Submission.Diagnosis.B_LYMPHOMA:
        code, display = ICD10CM_LYMPHOMA
        codings.append({"system": ICD10CM, "code": code, "display": display})
    if submission.diagnosis in SNOMED_DIAGNOSIS:
        code, display = SNOMED_DIAGNOSIS[submission.diagnosis]
        codings.append({"system": SNOMED, "code": code, "display": display})
    return codings


# --- Observations -----------------------------------------------------------------------
# LOINC 54588-9 "Interpreter needed" (the code C-CDA's Interpreter Needed Observation uses).
INTERPRETER_NEEDED = ("54588-9", "Interpreter needed")

# MRD detectable / undetectable as v3 ObservationInterpretation DET / ND (HL7 Terminology).
MRD_INTERPRETATION = {
    Submission.MRDResult.DETECTABLE: ("DET", "Detected"),
    Submission.MRDResult.UNDETECTABLE: ("ND", "Not detected"),
}

# --- Languages --------------------------------------------------------------------------
# The preferred language is typed freely; the common ones become BCP-47 tags (FHIR's Common
# Languages value set). Anything else is sent as the text that was typed.
LANGUAGE_TAGS = {
    "english": "en",
    "inglés": "en",
    "ingles": "en",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "arabic": "ar",
    "árabe": "ar",
    "chinese": "zh",
    "chino": "zh",
    "french": "fr",
    "francés": "fr",
    "portuguese": "pt",
    "portugués": "pt",
    "russian": "ru",
    "ruso": "ru",
    "vietnamese": "vi",
    "vietnamita": "vi",
    "korean": "ko",
    "coreano": "ko",
}

# --- Words the export adds (translated when the bundle is built) -------------------------
FAMILY_CONTACT = _("Parent or guardian")  # the referral form asks for the parent's or guardian's name
REFERRING_CLINICIAN = _("Referring clinician")
CURRENT_ONCOLOGIST = _("Current oncologist")
ANSWER_MESSAGE = _("Answer the message")
CONSULT_DATE = _("Consult date")
STUDY = _("Study referred for")
NCT_NUMBER = _("ClinicalTrials.gov identifier (NCT number)")
PAYER_NOT_GIVEN = _("Insurance company not given")
