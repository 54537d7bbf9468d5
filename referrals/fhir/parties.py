"""The people and organizations in a submission's bundle: the patient, the family contact, the clinicians, the payer."""

from django.utils.text import capfirst

from referrals.fhir import codes
from referrals.fhir.base import compact, concept, language_concept, telecom
from referrals.models import Submission

# Submission.Sex is FHIR's AdministrativeGender, value for value ("prefer not to say" is unknown).
GENDER = {
    Submission.Sex.FEMALE: "female",
    Submission.Sex.MALE: "male",
    Submission.Sex.OTHER: "other",
    Submission.Sex.UNKNOWN: "unknown",
}


def _label(field):
    return capfirst(str(Submission._meta.get_field(field).verbose_name))


def contact_is_patient(submission):
    """True when the patient filled in the form: their contact details are the patient's own."""
    return submission.submitter_role == Submission.SubmitterRole.ADULT_PATIENT


def _communication(submission):
    if not submission.preferred_language.strip():
        return []
    return [{"language": language_concept(submission.preferred_language), "preferred": True}]


def _contact_telecom(submission):
    return telecom(
        phone=submission.contact_phone,
        email=submission.contact_email,
        use="home",
        preferred=submission.preferred_contact_method,
    )


def patient(submission, refs):
    identifiers = []
    if submission.medical_record_number:
        identifiers.append(
            {
                "type": concept(
                    _label("medical_record_number"),
                    [{"system": codes.IDENTIFIER_TYPE, "code": "MR", "display": "Medical record number"}],
                ),
                "system": codes.local_system("sid", "mrn"),
                "value": submission.medical_record_number,
            }
        )
    return compact(
        {
            "resourceType": "Patient",
            "id": refs.id("Patient"),
            "identifier": identifiers,
            "name": [{"text": submission.patient_name}],
            "telecom": _contact_telecom(submission) if contact_is_patient(submission) else [],
            "gender": GENDER.get(submission.patient_sex),
            "birthDate": submission.patient_dob.isoformat(),
            "communication": _communication(submission),
        }
    )


def related_person(submission, refs):
    """The family contact (the parent or guardian, or whoever filled in the form); None if there is none."""
    if contact_is_patient(submission):
        return None
    if not (submission.contact_name or submission.contact_phone or submission.contact_email):
        return None
    if submission.submitter_role == Submission.SubmitterRole.CLINICIAN:
        relationship = codes.FAMILY_CONTACT
    else:
        # "Parent or legal guardian" is two relationships (v3 RoleCode PRN or GUARD): no single code is true.
        relationship = submission.submitter_relationship or submission.get_submitter_role_display()
    return compact(
        {
            "resourceType": "RelatedPerson",
            "id": refs.id("RelatedPerson"),
            "patient": refs.to("Patient"),
            "relationship": [concept(capfirst(str(relationship)))],
            "name": [{"text": submission.contact_name}] if submission.contact_name else [],
            "telecom": _contact_telecom(submission),
            "communication": _communication(submission),
        }
    )


def _clinician(refs, *, key, role, name, npi="", credentials="", organization="", phone=None, fax=None, email=""):
    """A Practitioner, their Organization, and the PractitionerRole joining them: whichever were given.

    Returns ``(resources, practitioner_reference, care_reference)``; the care reference is the
    role when both are known, else whichever one is.
    """
    resources, practitioner_ref, organization_ref = [], None, None
    if name or npi:
        identifiers = [{"system": codes.NPI, "value": npi}] if npi else []
        resources.append(
            compact(
                {
                    "resourceType": "Practitioner",
                    "id": refs.id("Practitioner", key),
                    "identifier": identifiers,
                    "name": [{"text": name}] if name else [],
                    "telecom": telecom(phone=phone, fax=fax, email=email, use="work"),
                    "qualification": [{"code": concept(credentials)}] if credentials else [],
                }
            )
        )
        practitioner_ref = refs.to("Practitioner", key, display=name)
    if organization:
        resources.append({"resourceType": "Organization", "id": refs.id("Organization", key), "name": organization})
        organization_ref = refs.to("Organization", key, display=organization)
    if practitioner_ref and organization_ref:
        resources.append(
            {
                "resourceType": "PractitionerRole",
                "id": refs.id("PractitionerRole", key),
                "practitioner": practitioner_ref,
                "organization": organization_ref,
                "code": [concept(role)],
            }
        )
        return resources, practitioner_ref, refs.to("PractitionerRole", key, display=role)
    return resources, practitioner_ref, practitioner_ref or organization_ref


def referring_clinician(submission, refs):
    return _clinician(
        refs,
        key="referrer",
        role=codes.REFERRING_CLINICIAN,
        name=submission.referrer_name,
        npi=submission.referrer_npi,
        credentials=submission.referrer_credentials,
        organization=submission.referrer_practice,
        phone=submission.referrer_phone,
        fax=submission.referrer_fax,
        email=submission.referrer_email,
    )


def current_oncologist(submission, refs):
    """A family's current oncologist and hospital, as named (no NPI: families are not asked for one)."""
    return _clinician(
        refs,
        key="oncologist",
        role=codes.CURRENT_ONCOLOGIST,
        name=submission.current_oncologist,
        organization=submission.current_hospital,
        phone=submission.oncologist_phone,
        email=submission.oncologist_email,
    )


def coverage(submission, refs):
    """The insurance as given: ``(resources, coverage_reference)``, or ``([], None)`` without any."""
    if not (submission.insurance_payer or submission.insurance_member_id):
        return [], None
    resources = []
    if submission.insurance_payer:
        resources.append(
            {"resourceType": "Organization", "id": refs.id("Organization", "payer"), "name": submission.insurance_payer}
        )
        payor = refs.to("Organization", "payer", display=submission.insurance_payer)
    else:
        payor = {"display": str(codes.PAYER_NOT_GIVEN)}
    resources.append(
        compact(
            {
                "resourceType": "Coverage",
                "id": refs.id("Coverage"),
                "status": "active",
                "subscriberId": submission.insurance_member_id,
                "beneficiary": refs.to("Patient"),
                "payor": [payor],
            }
        )
    )
    return resources, refs.to("Coverage")
