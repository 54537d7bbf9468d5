"""The pieces every resource builder uses: stable ids and references, timestamps, text, telecom."""

import uuid
from datetime import UTC

from django.conf import settings

from referrals.fhir import codes


class Refs:
    """Ids and references for one submission's resources.

    Each id is a UUID5 of the site, the submission's reference, the resource
    type and a key, so exporting the same submission again gives the same ids
    (and another site's export never collides with ours).
    """

    def __init__(self, reference):
        self.reference = reference
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.SITE_URL}/fhir")

    def id(self, resource_type, key=""):
        return str(uuid.uuid5(self.namespace, f"{self.reference}/{resource_type}/{key}"))

    def to(self, resource_type, key="", display=None):
        """A Reference to the resource of that type and key in the same bundle."""
        reference = {"reference": f"urn:uuid:{self.id(resource_type, key)}"}
        if display:
            reference["display"] = str(display)
        return reference


def instant(value):
    """A FHIR instant (UTC, whole seconds) from an aware datetime."""
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def concept(text, codings=()):
    """A CodeableConcept: the codings that were verified, and always the text people read."""
    result = {}
    if codings:
        result["coding"] = list(codings)
    result["text"] = str(text)
    return result


def coding(system, code, display):
    return {"system": system, "code": str(code), "display": str(display)}


def choice_concept(name, value, label):
    """A CodeableConcept for one of our choices, in our own code system for that list of answers."""
    return concept(label, [coding(codes.local_system("CodeSystem", name), value, label)])


def submission_identifier(submission):
    """The submission's reference number, the one identity people see."""
    return {"system": codes.local_system("sid", "submission"), "value": submission.reference}


def language_concept(text):
    """A language as BCP-47 when it is a common one, else only the words that were typed."""
    tag = codes.LANGUAGE_TAGS.get(text.strip().lower())
    return concept(text.strip(), [{"system": codes.BCP47, "code": tag}] if tag else ())


def _number(phone):
    """A phone number in E.164 (+12025550143) when it parses, else as stored."""
    return getattr(phone, "as_e164", "") or str(phone)


def telecom(*, phone=None, fax=None, email=None, use, preferred=""):
    """ContactPoints for what was given; the preferred contact method (phone, text or email) ranks first."""
    points = []
    if phone:
        points.append({"system": "phone", "value": _number(phone), "use": use})
        if preferred == "text":
            points.append({"system": "sms", "value": _number(phone), "use": use})
    if fax:
        points.append({"system": "fax", "value": _number(fax), "use": use})
    if email:
        points.append({"system": "email", "value": email, "use": use})
    preferred_system = {"phone": "phone", "text": "sms", "email": "email"}.get(preferred)
    for point in points:
        if point["system"] == preferred_system:
            point["rank"] = 1
    return points


def compact(resource):
    """The resource without empty elements (FHIR forbids empty strings, lists and objects)."""
    return {key: value for key, value in resource.items() if value not in (None, "", [], {})}
