"""Public content pages served from the configured cache to anonymous readers.

A content page is the same for every reader who has no session: it depends on
the address, the language, the language offer (core.language_offer) and the
content staff publish. Views marked ``cached_page`` have their pages kept by
``PageCacheMiddleware`` under a key made of the first three and the release (a
fingerprint of the templates, translations, static files and phone numbers this
process serves, so a deploy never serves pages rendered by the one before it).
With the page it stores the content version it was rendered from: a random
token replaced whenever content is saved or deleted (``refresh_after_commit``,
called by the content models' ``save`` and ``delete``); a page from another
version is rendered again.

Each worker also keeps the pages it served last in its own memory, and reads
the current version from the shared cache at most once every
``VERSION_CHECK_SECONDS``: a page served from memory costs no round trip at all
(a round trip and an unpickled page cost as much as the rest of the request).
So a saved change shows at once on the worker that saved it, and on every other
worker within that second.

The middleware sits near the top of the stack (after the HTTPS redirect and the
static files), so a stored page is answered before sessions, CSRF, the URL
resolver or the view run: it is stored with the headers the rest of the stack
gave it (the Content-Security-Policy, Content-Language, Vary, X-Frame-Options),
and costs less than the plain ``/robots.txt``. Only addresses that resolve to a
``cached_page`` view are looked up (the answer is remembered per path), so a
form page or the admin never waits on the cache.

A response is stored only if it is a plain 200 that sets no cookie and does not
vary on cookies: if a page ever starts carrying a CSRF token (which sets a
cookie), it simply stops being cached instead of handing one reader's token to
the next. Readers with a session or a pending message (a coordinator, a family
just back from a form) always get a fresh page.

When the shared cache cannot be reached (Redis down), pages are rendered afresh
and nothing is stored or reused, as if the cache were turned off: a family's page
or form never fails for want of a copy. A content save that cannot renew the
version is retried by that worker until the cache answers again.
"""

import hashlib
import logging
import re
import secrets
import time
from collections import OrderedDict
from functools import lru_cache, wraps
from pathlib import Path

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import Resolver404, get_urlconf, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers

from core.language_offer import language_to_offer
from core.middleware import RejectNulBytesMiddleware

logger = logging.getLogger("core.page_cache")

VERSION_KEY = "page-cache:content-version"
# Response headers a form page's copy keeps (the middleware adds the rest on every request). A content page's copy
# keeps every header the stack below PageCacheMiddleware set, except these, which belong to one response only.
KEPT_HEADERS = ("Content-Type", "Content-Language", "Cache-Control", "Link")
UNKEPT_HEADERS = {"set-cookie", "date", "expires"}
# How stale another worker's idea of the content version may be; pages kept in each worker's memory.
VERSION_CHECK_SECONDS = 1.0
LOCAL_PAGES = 256
# The project's own code, part of the release fingerprint (a view's change is a new release).
RELEASE_PACKAGES = ("config", "core", "programs", "referrals")

_clock = time.monotonic
_local = OrderedDict()  # key -> (version, content, headers, expires): this worker's copies, least recent first
_seen = [None, None]  # the content version this worker last read (None: the cache did not answer), and when
_refresh_pending = [False]  # a content save could not renew the version: renew it once the cache answers


def refresh():
    """Make every stored page stale, on every worker (a new content version)."""
    version = secrets.token_hex(8)
    try:
        cache.set(VERSION_KEY, version, None)
    except Exception:  # noqa: BLE001 - any cache backend error (Redis down, database cache table missing)
        # Every worker renders afresh while the cache is down; this one renews the version when it is back, so
        # pages stored before the save are not served again.
        logger.error("page cache unavailable: content saved; the stored pages are renewed when it answers again")
        _refresh_pending[0] = True
        _seen[:] = [None, _clock()]
        return
    _refresh_pending[0] = False
    _seen[:] = [version, _clock()]


def forget():
    """Drop this worker's copies and its idea of the version (tests; the shared cache is left alone)."""
    _local.clear()
    _seen[:] = [None, None]
    _refresh_pending[0] = False


def refresh_after_commit():
    """``refresh`` once the current transaction commits (a page rendered before then may hold the old content)."""
    transaction.on_commit(refresh)


def _current_version():
    """The content version, read from the shared cache at most once every VERSION_CHECK_SECONDS.

    None when the cache did not answer: then no copy is stored or reused until it does.
    """
    version, read_at = _seen
    now = _clock()
    if read_at is not None and now - read_at < VERSION_CHECK_SECONDS:
        return version
    if _refresh_pending[0]:
        refresh()
        return _seen[0]
    try:
        version = cache.get(VERSION_KEY)
        if version is None:  # a new, cleared or evicted cache: whichever worker adds one first wins
            cache.add(VERSION_KEY, secrets.token_hex(8), None)
            version = cache.get(VERSION_KEY)
    except Exception:  # noqa: BLE001 - any cache backend error
        logger.warning("page cache unavailable; rendering pages afresh")
        version = None
    _seen[:] = [version, now]
    return version


def _stored_page(key, version):
    """(content, headers) of the page stored under ``key`` for ``version``: from this worker's memory, else shared."""
    now = _clock()
    local = _local.get(key)
    if local is not None and local[0] == version and local[3] > now:
        _local.move_to_end(key)
        return local[1], local[2]
    try:
        shared = cache.get(key)
    except Exception:  # noqa: BLE001 - any cache backend error: render the page instead
        logger.warning("page cache unavailable; rendering pages afresh")
        return None
    if shared is None or shared[0] != version:
        return None
    _keep(key, shared)
    return shared[1], shared[2]


def _keep(key, stored):
    """Keep a page in this worker's memory for at most PAGE_CACHE_SECONDS (and only while its version is current)."""
    _local[key] = (*stored, _clock() + settings.PAGE_CACHE_SECONDS)
    _local.move_to_end(key)
    while len(_local) > LOCAL_PAGES:
        _local.popitem(last=False)


@lru_cache(maxsize=1)
def release():
    """A fingerprint of what this process renders pages with, besides the database.

    The project's templates, translations and Python code (paths relative to
    the project, so every host running the same release agrees), the static
    files' manifest and the phone numbers pages show.
    """
    base = Path(settings.BASE_DIR)
    folders = [*settings.TEMPLATES[0]["DIRS"], *settings.LOCALE_PATHS, *(base / app for app in RELEASE_PACKAGES)]
    sources = sorted(
        path for folder in folders for path in Path(folder).rglob("*") if path.suffix in {".html", ".mo", ".txt", ".py"}
    )
    digest = hashlib.sha256()
    for path in sources:
        digest.update(str(path.relative_to(base) if path.is_relative_to(base) else path.name).encode())
        digest.update(path.read_bytes())
    digest.update(str(getattr(staticfiles_storage, "manifest_hash", "")).encode())
    for name in ("PHONE_MAIN", "PHONE_PHYSICIAN", "PHONE_AFTER_HOURS", "SITE_URL"):
        digest.update(f"{name}={getattr(settings, name, '')}".encode())
    return digest.hexdigest()[:16]


def _private(request):
    """The reader has a session or a message waiting: their page may differ from everyone else's."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES or CookieStorage.cookie_name in request.COOKIES


def _page_key(request, language=None):
    """The page's key: the release, the language (the active one unless given), the offer and the address."""
    language = language or translation.get_language()
    address = request.build_absolute_uri()
    parts = [release(), language, language_to_offer(request, language) or "-", address]
    return "page-cache:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _storable(response):
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "Cookie" not in response.get("Vary", "")
    )


def cached_page(view):
    """Mark ``view``'s pages as the same for every reader without a session: PageCacheMiddleware keeps them."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.page_cacheable = True
        # The page differs by language offer, which follows the browser's language.
        patch_vary_headers(response, ["Accept-Language"])
        return response

    wrapper.page_cached = True  # copied onto the decorators above it (functools.wraps): read by _serves_cached_pages
    return wrapper


@lru_cache(maxsize=4096)
def _serves_cached_pages(urlconf, language, path):
    """Whether ``path`` resolves to a ``cached_page`` view (remembered: the URLs only change with a release)."""
    with translation.override(language):  # the /es/ prefix only resolves with Spanish active
        try:
            match = resolve(path, urlconf)
        except Resolver404:
            return False
    return getattr(match.func, "page_cached", False)


class PageCacheMiddleware:
    """Answer a stored content page before the rest of the stack runs; store what ``cached_page`` views render."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        found = self._key(request)
        if found is None:
            return self.get_response(request)
        key, version = found
        stored = _stored_page(key, version)
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            return response
        response = self.get_response(request)
        if getattr(response, "page_cacheable", False) and _storable(response):
            headers = [(name, value) for name, value in response.items() if name.lower() not in UNKEPT_HEADERS]
            stored = (version, response.content, headers)
            try:
                cache.set(key, stored, settings.PAGE_CACHE_SECONDS)
            except Exception:  # noqa: BLE001 - any cache backend error: the page is served all the same
                logger.warning("page cache unavailable; page not stored")
                return response
            _keep(key, stored)
        return response

    @staticmethod
    def _key(request):
        """(key, content version) when this request may get a stored page; else None."""
        if not settings.PAGE_CACHE_SECONDS or request.method not in ("GET", "HEAD") or _private(request):
            return None
        if RejectNulBytesMiddleware.in_request_line_or_cookies(request):
            return None  # the stack answers 400
        language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
        if not _serves_cached_pages(get_urlconf() or settings.ROOT_URLCONF, language, request.path_info):
            return None
        version = _current_version()
        if version is None:  # the cache is down: as if it were turned off
            return None
        return _page_key(request, language), version


# --- Pages that differ between readers only by their tokens (the intake forms) -------------------------------

CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')
CSRF_SLOT = "csrf-token-slot-7d2e91c0"


def page_with_tokens(request, render, vary=(), **tokens):
    """A page that differs between readers only by its CSRF token and ``tokens``: laid out once, then reused.

    ``render(**slots)`` renders the page with a placeholder for each token
    (``tokens``' names, placeholders as values); its CSRF inputs become a slot
    too. Each request then gets the stored page with its own values in the
    slots: a new CSRF token (which also sets the cookie, as ``{% csrf_token %}``
    does) and ``tokens``. Kept in this worker's memory only (the page holds no
    secret, but each worker lays it out once), under the same key and content
    version as ``cached_page``, so a study that stops recruiting is not offered
    by a stored form. Readers with a session or a message get a fresh page.
    """
    if not settings.PAGE_CACHE_SECONDS or request.method not in ("GET", "HEAD") or _private(request):
        return render(**tokens)
    version = _current_version()
    if version is None:  # the cache is down: each page laid out afresh
        return render(**tokens)
    key = "tokens:" + "|".join(map(str, vary)) + _page_key(request)
    local = _local.get(key)
    if local is None or local[0] != version or local[3] <= _clock():
        slots = {name: f"{name}-slot-{secrets.token_hex(6)}" for name in tokens}
        response = render(**slots)
        if not _storable_with_tokens(response):
            return render(**tokens)
        html = CSRF_INPUT.sub(rf"\g<1>{CSRF_SLOT}\g<2>", response.content.decode())
        if any(html.count(slot) != 1 for slot in slots.values()):  # never expected: then no stored copy
            return render(**tokens)
        headers = [(name, response[name]) for name in KEPT_HEADERS if response.has_header(name)]
        _keep(key, (version, (html, slots), headers))
        local = _local[key]
    html, slots = local[1]
    html = html.replace(CSRF_SLOT, get_token(request))
    for name, slot in slots.items():
        html = html.replace(slot, tokens[name])
    response = HttpResponse(html)
    for name, value in local[2]:
        response[name] = value
    patch_vary_headers(response, ["Accept-Language"])
    return response


def _storable_with_tokens(response):
    # The CSRF cookie set while rendering is expected (every copy sets its own); any other cookie is not.
    return (
        response.status_code == 200 and not response.streaming and set(response.cookies) <= {settings.CSRF_COOKIE_NAME}
    )
