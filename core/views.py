"""The site's error pages (400, 403, 404, 405, 413, 429, 500, 503), in the site's design and the reader's language.

``config.urls`` installs them as Django's handlers; views and middleware that
refuse a request call them directly, so every refusal looks the same.
"""

import logging
import math
import sys

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.outages import is_outage
from core.phones import phone_lines

logger = logging.getLogger("core.outage")


def error_page(request, status, heading, message, template="errors/error.html", **context):
    """The site's error page with a heading and a message."""
    return render(request, template, {"heading": heading, "message": message, **context}, status=status)


def bad_request(request, exception=None):
    return error_page(
        request,
        400,
        _("We could not read that request"),
        _("Something in the request was not right, so nothing was saved. Please go back and try again."),
    )


def permission_denied(request, exception=None):
    return error_page(
        request,
        403,
        _("You can't open this page"),
        _(
            "You do not have permission to see this page, or your form expired. "
            "If you were sending a form, please go back, reload the page and send it again."
        ),
    )


def csrf_failure(request, reason=""):
    """A form whose CSRF check failed (usually left open too long): the site's 403 page, not Django's."""
    return permission_denied(request)


def page_not_found(request, exception=None):
    return error_page(
        request,
        404,
        _("We can't find that page"),
        _("The page may have moved, or the address may have a typo."),
    )


def method_not_allowed(request, allowed=""):
    page = error_page(
        request,
        405,
        _("This page can't do that"),
        _("The page was asked to do something it does not do. Please go back and use the page's own buttons."),
    )
    page["Allow"] = allowed
    return page


def request_too_large(request):
    return error_page(
        request,
        413,
        _("Your files are too big to send"),
        _(
            "Nothing was saved. Each file can be at most %(max_mb)d MB, and you can send up to "
            "%(max_files)d files. Please go back, choose smaller files or fewer files, and send "
            "the form again."
        )
        % {"max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024), "max_files": settings.UPLOAD_MAX_FILES},
    )


def too_many_requests(request, *, window_seconds=None, lookups=False):
    """The 429 page. ``window_seconds``: when the limit clears (default: the forms' window); ``lookups``: the
    limit was on look-ups (the status page), not on forms sent, and the page says so."""
    window = int(window_seconds if window_seconds is not None else settings.RATELIMIT_WINDOW_SECONDS)
    minutes = max(window // 60, 1)
    response = render(request, "errors/429.html", {"minutes": minutes, "lookups": lookups}, status=429)
    response["Retry-After"] = str(window)
    return response


def server_error(request):
    """Django's handler500: the 503 page when the database or the document storage failed, else the 500 page.

    Both use nothing from the database (the error may have come from it). The
    phone lines are settings, passed here too so the pages do not depend on the
    context processors.
    """
    if is_outage(sys.exc_info()[1]):
        return service_unavailable(request)
    return render(request, "500.html", {"phones": phone_lines()}, status=500)


def service_unavailable(request):
    """The 503 page: a brief outage, with Retry-After for browsers and load balancers, and the phone number."""
    retry_after = settings.OUTAGE_RETRY_AFTER_SECONDS
    logger.warning("a backing service is unavailable: answered 503 method=%s", request.method)
    response = render(
        request,
        "503.html",
        {"phones": phone_lines(), "retry_minutes": max(math.ceil(retry_after / 60), 1)},
        status=503,
    )
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response
