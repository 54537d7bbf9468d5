"""The status page: a reference number and the patient's date of birth give the plain-language stage.

The pair travels in a POST body only (never a URL), and the answer is rendered
directly: a redirect would have to carry it. Every POST writes one StatusLookup
row (never the date of birth) and is counted by two rate limits:

- per client (``STATUS_LOOKUPS_PER_CLIENT``): every POST, well-formed or not;
- per reference (``STATUS_LOOKUPS_PER_REFERENCE``): every lookup of a
  well-formed pair naming that reference, from any address, whether it
  matches or not (counting only failures would tell a guesser when a date
  was right). A family that gets locked out sees the 429 page, which tells
  them to call. A POST refused by the client limit is not counted against the
  reference: refused requests never use up a family's allowance.

A refusal looks the same whether or not the reference exists: it is decided
before the database is asked.
"""

import logging

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from core.client_address import client_ip
from core.ratelimit import client_key, within_limit
from core.views import too_many_requests
from referrals import selectors
from referrals.forms import StatusLookupForm
from referrals.models import Submission
from referrals.services.audit import record_status_lookup

logger = logging.getLogger("referrals.status")

Stage = Submission.Stage
_FINAL_STAGES = (Stage.DECIDED, Stage.ANSWERED, Stage.CLOSED)


def stage_steps(stage, final=Stage.DECIDED):
    """The progress list: ``[(stage, "done" | "current" | "upcoming")]``.

    Received, then a coordinator's review, then (only while it applies) waiting
    for records, then the end: the stage reached, or ``final`` ahead ("decision
    made"; "answered" for a message from an existing patient).
    """
    path = [Stage.RECEIVED, Stage.REVIEWING]
    if stage == Stage.AWAITING_RECORDS:
        path.append(Stage.AWAITING_RECORDS)
    path.append(stage if stage in _FINAL_STAGES else final)
    current = path.index(stage)
    return [
        (step, "done" if index < current else "current" if index == current else "upcoming")
        for index, step in enumerate(path)
    ]


def _within_limits(request, reference):
    if not within_limit(
        "status-client",
        client_key(request),
        limit=settings.STATUS_LOOKUPS_PER_CLIENT,
        window=settings.STATUS_LOOKUP_WINDOW_SECONDS,
    ):
        return False
    if not reference:
        return True
    return within_limit(
        "status-reference",
        reference,
        limit=settings.STATUS_LOOKUPS_PER_REFERENCE,
        window=settings.STATUS_LOOKUP_WINDOW_SECONDS,
    )


def _refused(request):
    return too_many_requests(request, window_seconds=settings.STATUS_LOOKUP_WINDOW_SECONDS, lookups=True)


@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def status(request):
    if request.method != "POST":
        return render(request, "referrals/status.html", {"form": StatusLookupForm()})

    form = StatusLookupForm(request.POST)
    valid = form.is_valid()
    # The reference limit counts lookups, so only a well-formed pair is counted against it.
    reference = form.cleaned_data["reference"] if valid else ""
    address = client_ip(request)
    if not _within_limits(request, reference):
        record_status_lookup(reference=form.reference_tried(), limited=True, client_ip=address)
        logger.info("status lookup refused by the rate limit (reference %s)", form.reference_tried() or "-")
        return _refused(request)
    if not valid:
        record_status_lookup(reference=form.reference_tried(), client_ip=address)
        return render(request, "referrals/status.html", {"form": form})

    answer = selectors.status_for(reference, form.cleaned_data["patient_dob"])
    record_status_lookup(reference=reference, submission_id=answer and answer.submission_id, client_ip=address)
    logger.info("status lookup for %s: %s", reference, "found" if answer else "not found")
    if answer is None:
        form.not_found()
        return render(request, "referrals/status.html", {"form": form})
    context = {"answer": answer, "reference": reference, "steps": stage_steps(answer.stage, answer.final_stage)}
    return render(request, "referrals/status.html", context)
