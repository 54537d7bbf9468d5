"""A bundle as a download: FHIR's JSON media type, never cached, never sniffed, always an attachment."""

import json

from django.http import HttpResponse

FHIR_JSON = "application/fhir+json"


def bundle_response(bundle, filename):
    """``bundle`` (a dict from ``submission_bundle``) as ``filename``, a name with no PHI in it."""
    response = HttpResponse(json.dumps(bundle, ensure_ascii=False, indent=2).encode("utf-8"), content_type=FHIR_JSON)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
