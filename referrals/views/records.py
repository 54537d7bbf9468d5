"""A records link: the page where a sender uploads the records a coordinator asked for.

The link's token is the only key (its hash is stored). The page shows the
reference number and the requested records, nothing else. An unknown, expired,
revoked or used-up link gets a clear page with the program's phone number.
"""

from django.conf import settings
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from core.ratelimit import ratelimit_posts
from referrals.forms import RecordsUploadForm
from referrals.models import RecordItem
from referrals.services import records
from referrals.services.workflow import WorkflowError
from referrals.uploads import reject_altered_file_names
from referrals.views.intake import guard_uploads

# An unknown link is "not found"; one that worked once and no longer does is "gone".
_UNAVAILABLE_STATUS = {"unknown": 404, "expired": 410, "revoked": 410, "used": 410}


def _unavailable(request, state):
    return render(
        request, "referrals/records_unavailable.html", {"state": state}, status=_UNAVAILABLE_STATUS.get(state, 404)
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit_posts
@guard_uploads
def upload(request, token):
    records_request = records.find_request(token)
    if records_request is None:
        return _unavailable(request, "unknown")
    if records_request.state() != "active":
        return _unavailable(request, records_request.state())
    if request.method == "POST":
        form = RecordsUploadForm(request.POST, request.FILES, records_request=records_request)
        valid = form.is_valid()
        if reject_altered_file_names(request, form) and valid:
            try:
                records.receive_upload(token=token, files_by_item=form.files_by_item())
            except records.LinkUnavailable as unavailable:
                return _unavailable(request, unavailable.state)
            except WorkflowError as refused:
                form.add_error(None, str(refused))
            else:
                return redirect("referrals:records_received", token=token)
    else:
        form = RecordsUploadForm(records_request=records_request)
    return render(
        request,
        "referrals/records_upload.html",
        {
            "form": form,
            "records_request": records_request,
            "reference": records_request.submission.reference,
            "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        },
    )


@never_cache
@require_safe
def received(request, token):
    """After an upload: what arrived, per requested record. Only the reference and the records' names."""
    records_request = records.find_request(token)
    if records_request is None or not records_request.files_received:
        return _unavailable(request, "unknown")
    states = records_request.submission.record_states()
    items = [
        (RecordItem.Item(item).label, states.get(item) == RecordItem.State.RECEIVED)
        for item in records_request.items
        if item in RecordItem.Item.values
    ]
    return render(
        request,
        "referrals/records_received.html",
        {
            "records_request": records_request,
            "reference": records_request.submission.reference,
            "items": items,
            "still_open": records_request.state() == "active",
            "records_request_token": token,
        },
    )
