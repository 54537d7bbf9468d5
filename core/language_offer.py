"""Offering a visitor their browser's language, without ever switching for them.

English pages live at ``/`` and Spanish ones at ``/es/``; a browser that prefers
Spanish still gets the English page it asked for (a link someone shared must open
as shared). What it gets besides is an offer: a bar in Spanish with two buttons,
both posting to Django's ``set_language``. Either choice stores the language cookie,
and the offer is never shown again to a visitor who has one.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header


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


def language_to_offer(request):
    """The language to offer on this page, or None: the browser's first choice, if this English page has it.

    Only English pages offer: someone on a Spanish page chose it or was sent it on purpose
    (many Spanish-reading families keep their phones in English).
    """
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES or translation.get_language() != settings.LANGUAGE_CODE:
        return None
    preferred = preferred_language(request.headers.get("Accept-Language"))
    if preferred and preferred != translation.get_language():
        return preferred
    return None
