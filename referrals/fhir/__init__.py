"""
The FHIR R4 export: a submission as a ``collection`` Bundle, in JSON (``application/fhir+json``).

codes.py     the systems named and every mapping (workflow status, urgency, diagnosis, languages)
base.py      stable ids (UUID5 of the reference), references, timestamps, text and telecom helpers
parties.py   Patient, RelatedPerson (the family contact), the clinicians, the payer and Coverage
clinical.py  Condition, the pre-screen Observations, DocumentReferences (size and SHA-1, never content)
bundle.py    ServiceRequest or Communication, Task, the Bundle itself, validated with fhir.resources
response.py  the download response

Each resource's id is a UUID5 of the site, the submission's reference and the
resource, so exporting again gives the same ids.
"""

from referrals.fhir.bundle import InvalidBundle, submission_bundle, submissions_bundle
from referrals.fhir.response import FHIR_JSON, bundle_response

__all__ = ["FHIR_JSON", "InvalidBundle", "bundle_response", "submission_bundle", "submissions_bundle"]
