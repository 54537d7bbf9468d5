"""Offering a visitor their browser's language, without ever switching for them.

English pages live at ``/`` and Spanish ones at ``/es/``; a browser that prefers
Spanish still gets the English page it asked for (a link someone shared must open
as shared). What it gets besides is an offer: a bar in Spanish with two links,
both to ``choose_language``. Either choice stores the language cookie, and the offer
is never shown again to a visitor who has one.

The header's language switch is a link to the same view. Links, not forms: a form
would need a CSRF token, and a token sets a cookie and ``Vary: Cookie`` on every
page, so no cache could serve a content page to the next reader. The worst a
stranger's link to ``choose_language`` can do is pick a visitor's language.
"""

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


def preferred_language(accept_language):
    """The first language of an Accept-Language header the site has, or None."""
    for code, _quality in parse_accept_lang_header(accept_language or ""):
        if code == "*":
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return None


def language_to_offer(request, language=None):
    """The language to offer on this page, or None: the browser's first choice, if this English page has it.

    Only English pages offer: someone on a Spanish page chose it or was sent it on purpose
    (many Spanish-reading families keep their phones in English). ``language`` is the page's
    (the active one unless given: the page cache asks before the language is activated).
    """
    language = language or translation.get_language()
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES or language != settings.LANGUAGE_CODE:
        return None
    preferred = preferred_language(request.headers.get("Accept-Language"))
    if preferred and preferred != language:
        return preferred
    return None


@require_safe
@never_cache
def choose_language(request, code):
    """Store ``code`` as the visitor's language (the offer stays away) and go to ``next``, a page in it."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/" if code == settings.LANGUAGE_CODE else f"/{code}/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
