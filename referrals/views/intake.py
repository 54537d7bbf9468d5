"""Public intake views: three forms and their confirmation page. Nothing here stores data: services do."""

import logging
from functools import wraps

from django.conf import settings
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from core import page_cache
from core.ratelimit import ratelimit_posts
from core.views import bad_request, request_too_large
from referrals import selectors, studies
from referrals.form_html import UnfilledForm, layout_day
from referrals.forms import (
    FORM_TOKEN_RE,
    HONEYPOT_FIELD,
    ExistingPatientForm,
    ReferralForm,
    SecondOpinionForm,
    new_form_token,
)
from referrals.models import Submission
from referrals.services import intake
from referrals.uploads import record_altered_file_names, reject_altered_file_names

logger = logging.getLogger("referrals.intake")


def max_body_bytes():
    """The biggest POST a form can need: every file at its limit, plus the form's own fields."""
    return settings.UPLOAD_MAX_BYTES * settings.UPLOAD_MAX_FILES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def guard_uploads(view):
    """Answer 413 before reading a body bigger than any valid form, instead of spooling it to disk,
    and note file names Django's parser had to clean (so the form can reject them).

    The CSRF check would read (and store) the body first, so this runs
    CSRF-exempt and applies the same CSRF check itself afterwards.
    """
    protected = csrf_protect(view)

    @wraps(view)
    @csrf_exempt
    def wrapper(request, *args, **kwargs):
        if request.method == "POST":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0:
                return bad_request(request)
            if length > max_body_bytes():
                return request_too_large(request)
            record_altered_file_names(request)
        return protected(request, *args, **kwargs)

    wrapper.parses_own_uploads = True  # core's NUL guard leaves the body to this view's form
    return wrapper


def _intake(request, form_class, template, initial=None, context=None):
    if request.method == "POST":
        if (request.POST.get(HONEYPOT_FIELD) or "").strip():
            # The honeypot is filled: a bot. Store nothing, answer as usual, and count it (no form content
            # logged) so a browser that autofills the hidden field would show up in the logs.
            logger.info("honeypot filled on %s; nothing stored", request.resolver_match.url_name)
            return render(request, "referrals/confirmation.html", _confirmation_context(None))
        form = form_class(request.POST, request.FILES)
        valid = form.is_valid()
        names_safe = "documents" not in form.fields or reject_altered_file_names(request, form, "documents")
        if names_safe and valid:
            # A reload, a double click or a replay of a stored form returns the first submission: the form
            # token's column is unique, so the insert finds it (intake.submit), at no cost to a first POST.
            submission = intake.submit(
                form=form, files=form.cleaned_data.get("documents", []), language=request.LANGUAGE_CODE
            )
            return redirect("referrals:confirmation", token=submission.confirmation_token)
        # A replay whose answers no longer validate (they changed, or a date moved on) still finds its submission.
        token = request.POST.get("form_token", "")
        existing = selectors.submission_for_form_token(token) if FORM_TOKEN_RE.match(token) else None
        if existing is not None:
            return redirect("referrals:confirmation", token=existing.confirmation_token)
        return _form_page(request, form, template, context)

    def unfilled(form_token):
        # The form is not built here: its stored layout is reused (referrals.form_html).
        return _form_page(
            request, UnfilledForm(form_class, {"form_token": form_token, **(initial or {})}), template, context
        )

    # The whole page is laid out once and reused with each reader's own tokens (core.page_cache).
    return page_cache.page_with_tokens(request, unfilled, vary=layout_day(), form_token=new_form_token())


def _form_page(request, form, template, context):
    page_context = {
        "form": form,
        "first_contact_days": settings.FIRST_CONTACT_BUSINESS_DAYS,
        "urgent_days": settings.URGENT_FIRST_CONTACT_BUSINESS_DAYS,
        **(context or {}),
    }
    return render(request, template, page_context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit_posts
@guard_uploads
def refer(request):
    """The physicians' form. ``?study=NCT…`` (from a recruiting study's page) names that study on the form."""
    asked = request.POST.get("study_nct", "") if request.method == "POST" else request.GET.get("study", "")
    study = studies.study_named(asked, recruiting=request.method != "POST")
    context = {"study": study, "study_not_open": study is None and bool(studies.NCT_RE.match(asked))}
    initial = {"study_nct": study.nct_number} if study is not None else {}
    return _intake(request, ReferralForm, "referrals/refer.html", initial=initial, context=context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit_posts
@guard_uploads
def second_opinion(request):
    return _intake(request, SecondOpinionForm, "referrals/second_opinion.html")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit_posts
@guard_uploads
def existing_patient(request):
    return _intake(request, ExistingPatientForm, "referrals/existing_patient.html")


# What the confirmation page reads: never PHI (no name, date of birth, diagnosis or free text).
CONFIRMATION_FIELDS = ("reference", "kind", "urgency", "preferred_contact_method", "received_at")


@never_cache
@require_safe
def confirmation(request, token):
    # One query: the few fields the page shows, and the number of documents that arrived.
    submissions = Submission.objects.only(*CONFIRMATION_FIELDS).annotate(attachment_count=Count("attachments"))
    submission = get_object_or_404(submissions, confirmation_token=token)
    return render(request, "referrals/confirmation.html", _confirmation_context(submission))


def _confirmation_context(submission):
    """The page's context, named like the confirmation email's so both share their wording.

    ``submission`` is None for a bot that filled the honeypot: a neutral page with the routine promise.
    """
    context = {
        "submission": submission,
        "kind": "",
        "is_urgent": False,
        "contact_method": "",
        "first_contact_days": settings.FIRST_CONTACT_BUSINESS_DAYS,
        "review_days": settings.REVIEW_BUSINESS_DAYS,
    }
    if submission is not None:
        context.update(
            kind=submission.kind,
            is_urgent=submission.is_urgent,
            contact_method=submission.preferred_contact_method,
            first_contact_days=submission.first_contact_days(),
            first_contact_due=submission.first_contact_due(),
            attachment_count=submission.attachment_count,
        )
    return context
