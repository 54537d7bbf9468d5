"""A submission as a FHIR R4 ``collection`` Bundle, validated before anyone sees it.

``submission_bundle(submission)`` is the export of one; ``submissions_bundle([...])``
a collection whose entries are those bundles. Every bundle goes through
fhir.resources' R4B models (R4B's resources used here are R4's): an invalid
export raises ``InvalidBundle`` (naming only where, never a value), so it is a bug
a test finds, never a file a coordinator downloads.
"""

from django.db.models import Max
from django.utils import timezone
from django.utils.text import capfirst
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from referrals.fhir import clinical, codes, parties
from referrals.fhir.base import Refs, coding, compact, concept, instant, submission_identifier
from referrals.forms import INTAKE_FORMS, submission_fields
from referrals.models import Submission


class InvalidBundle(Exception):
    """The export built a bundle FHIR refuses. The message names paths and error types only (no PHI)."""


def submission_bundle(submission, *, now=None):
    """The submission's Bundle as a JSON-ready dict. ``now``: the bundle's timestamp (default: now)."""
    bundle = _bundle(submission, now or timezone.now())
    validate(bundle)
    return bundle


def submissions_bundle(submissions, *, now=None):
    """Several submissions: a ``collection`` Bundle whose entries are each submission's Bundle."""
    now = now or timezone.now()
    inner = [_bundle(submission, now) for submission in submissions]
    refs = Refs("submissions:" + ",".join(sorted(submission.reference for submission in submissions)))
    bundle = _envelope(refs, now, inner)
    validate(bundle)
    return bundle


def validate(bundle):
    try:
        Bundle.model_validate(bundle)
    except ValidationError as error:
        where = "; ".join(
            ".".join(str(part) for part in problem["loc"]) + f" ({problem['type']})"
            for problem in error.errors(include_url=False, include_input=False, include_context=False)
        )
        raise InvalidBundle(f"invalid FHIR bundle: {where}") from None


def _envelope(refs, now, resources):
    bundle_id = refs.id("Bundle")
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "identifier": {"system": codes.URI, "value": f"urn:uuid:{bundle_id}"},
        "type": "collection",
        "timestamp": instant(now),
        "entry": [{"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource} for resource in resources],
    }


def _bundle(submission, now):
    refs = Refs(submission.reference)
    return _envelope(refs, now, _resources(submission, refs))


def _resources(submission, refs):
    """Every resource of the submission's bundle, in reading order: who, what, then the request and its task."""
    is_message = submission.kind == Submission.Kind.EXISTING_PATIENT
    resources = [parties.patient(submission, refs)]
    family = parties.related_person(submission, refs)
    if family:
        resources.append(family)

    supporting = []
    if submission.kind == Submission.Kind.REFERRAL:
        clinicians, practitioner, care = parties.referring_clinician(submission, refs)
        requester, asserter = practitioner or care, practitioner  # a Condition's asserter is never an Organization
    else:
        clinicians, _practitioner, care = parties.current_oncologist(submission, refs)
        requester = refs.to("Patient") if parties.contact_is_patient(submission) else None
        requester = asserter = requester or (refs.to("RelatedPerson") if family else None)
        if care:
            supporting.append(care)
    resources += clinicians

    payer, insurance = parties.coverage(submission, refs)
    resources += payer

    condition = clinical.condition(submission, refs, asserter=asserter)
    if condition:
        resources.append(condition)
    asked = set(submission_fields(INTAKE_FORMS[submission.kind].sections))
    observations = clinical.observations(submission, refs, performer=requester, asked=asked)
    resources += observations
    supporting += [{"reference": f"urn:uuid:{observation['id']}"} for observation in observations]

    focus_type = "Communication" if is_message else "ServiceRequest"
    documents = [
        clinical.document_reference(attachment, refs, context=refs.to(focus_type))
        for attachment in submission.attachments.all()
    ]
    resources += documents
    supporting += [{"reference": f"urn:uuid:{document['id']}"} for document in documents]

    if is_message:
        resources.append(_communication(submission, refs, sender=requester, documents=documents))
    else:
        reason = refs.to("Condition") if condition else None
        resources.append(
            _service_request(
                submission, refs, requester=requester, reason=reason, supporting=supporting, insurance=insurance
            )
        )
    resources.append(_task(submission, refs, focus=refs.to(focus_type), requester=requester))
    return resources


def _notes(submission):
    """The free text a coordinator reads first, each under its question."""
    field = Submission._meta.get_field
    notes = [
        (field(name).verbose_name, getattr(submission, name))
        for name in ("clinical_question", "urgent_reason", "current_treatment", "message")
    ]
    if submission.study_nct:
        notes.append((codes.STUDY, submission.study_nct))
    return [{"text": f"{capfirst(str(label))}: {text}"} for label, text in notes if text]


def _service_request(submission, refs, *, requester, reason, supporting, insurance):
    status, _task_status = codes.STATUS_MAP[submission.status]
    if submission.study_nct:
        # The study as a logical reference: no ResearchStudy resource is claimed, only its registry number.
        supporting = [
            *supporting,
            {
                "type": "ResearchStudy",
                "identifier": {"type": concept(codes.NCT_NUMBER), "value": submission.study_nct},
                "display": f"{codes.STUDY}: {submission.study_nct}",
            },
        ]
    return compact(
        {
            "resourceType": "ServiceRequest",
            "id": refs.id("ServiceRequest"),
            "identifier": [submission_identifier(submission)],
            "status": status,
            "intent": codes.INTENT[submission.kind],
            "priority": codes.PRIORITY[submission.urgency],
            "code": concept(submission.get_kind_display()),
            "subject": refs.to("Patient"),
            "authoredOn": instant(submission.received_at),
            "requester": requester,
            "reasonReference": [reason] if reason else [],
            "insurance": [insurance] if insurance else [],
            "supportingInfo": supporting,
            "note": _notes(submission),
        }
    )


def _communication(submission, refs, *, sender, documents):
    """An existing patient's message: it has been received, so the Communication itself is completed."""
    payload = [{"contentString": submission.message}] if submission.message else []
    payload += [{"contentReference": {"reference": f"urn:uuid:{document['id']}"}} for document in documents]
    return compact(
        {
            "resourceType": "Communication",
            "id": refs.id("Communication"),
            "identifier": [submission_identifier(submission)],
            "status": "completed",
            "priority": codes.PRIORITY[submission.urgency],
            "subject": refs.to("Patient"),
            "topic": concept(submission.get_topic_display()) if submission.topic else None,
            "sent": instant(submission.received_at),
            "received": instant(submission.received_at),
            "sender": sender,
            "payload": payload,
        }
    )


def last_modified(submission):
    """When a coordinator last did something with the submission (its history), or when it arrived."""
    if hasattr(submission, "last_history_at"):  # annotated by an export of many (one query for all)
        last_change = submission.last_history_at
    else:
        last_change = submission.history.aggregate(last=Max("changed_at"))["last"]
    moments = [
        submission.received_at,
        last_change,
        submission.first_contacted_at,
        submission.decided_at,
        submission.records_requested_at,
    ]
    return max(moment for moment in moments if moment)


def _task(submission, refs, *, focus, requester):
    """The coordinators' work on the submission: FHIR's status, and ours as the business status."""
    _request_status, status = codes.STATUS_MAP[submission.status]
    label = submission.get_status_display()
    if submission.kind == Submission.Kind.EXISTING_PATIENT:
        code = concept(codes.ANSWER_MESSAGE)
    else:
        code = concept("Fulfill the focal request", [coding(codes.TASK_CODE, "fulfill", "Fulfill the focal request")])
    output = []
    if submission.consult_date:
        output.append({"type": concept(codes.CONSULT_DATE), "valueDate": submission.consult_date.isoformat()})
    return compact(
        {
            "resourceType": "Task",
            "id": refs.id("Task"),
            "identifier": [submission_identifier(submission)],
            "status": status,
            "statusReason": concept(submission.get_decline_reason_display()) if submission.decline_reason else None,
            "businessStatus": concept(
                label, [coding(codes.local_system("CodeSystem", "workflow-status"), submission.status, label)]
            ),
            "intent": "order",
            "priority": codes.PRIORITY[submission.urgency],
            "code": code,
            "focus": focus,
            "for": refs.to("Patient"),
            "authoredOn": instant(submission.received_at),
            "lastModified": instant(last_modified(submission)),
            "requester": requester,
            "output": output,
        }
    )
