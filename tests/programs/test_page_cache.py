"""Content pages: no cookie for anonymous readers, served from the cache after the first, fresh after staff save."""

import socket
import time

import pytest
from django.contrib import admin
from django.db import connection
from django.forms import BooleanField
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import page_cache
from programs import markdown
from programs.models import Highlight, Program, Therapy

pytestmark = pytest.mark.django_db

CONTENT_PAGES = [
    "/",
    "/es/",
    "/studies/",
    "/studies/?status=recruiting&age=8",
    "/therapies/",
    "/therapies/car-t-cell-therapy/",
    "/es/therapies/car-t-cell-therapy/",
    "/stories/",
    "/videos/",
    "/what-to-expect/families/",
    "/families/travel/",
    "/existing-patients/",
]


@pytest.fixture
def cached(settings, content):
    settings.PAGE_CACHE_SECONDS = 3600
    return content


def _get(client, path, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    return response, len(queries)


@pytest.mark.parametrize("path", CONTENT_PAGES)
def test_an_anonymous_reader_gets_no_cookie_and_the_next_one_a_stored_copy(client, cached, path):
    first, first_queries = _get(client, path)
    assert first.status_code == 200
    assert not first.cookies  # no csrftoken: nothing on the page needs one
    assert "Cookie" not in first.get("Vary", "")
    assert first_queries > 0

    again, again_queries = _get(client, path)
    assert again.status_code == 200
    assert again_queries == 0  # from the cache: not one query
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert not again.cookies
    # The middleware still runs on a stored page: the security headers are there.
    assert "Content-Security-Policy" in again and again["X-Content-Type-Options"] == "nosniff"


def test_english_spanish_and_the_offer_are_kept_apart(client, cached):
    english = client.get("/therapies/").content.decode()
    offered = client.get("/therapies/", HTTP_ACCEPT_LANGUAGE="es-MX").content.decode()
    spanish = client.get("/es/therapies/").content.decode()
    assert 'class="language-offer"' not in english and '<html lang="en">' in english
    assert 'class="language-offer"' in offered and '<html lang="en">' in offered
    assert '<html lang="es">' in spanish
    # Each again, from the cache, as it was.
    assert client.get("/therapies/").content.decode() == english
    assert client.get("/therapies/", HTTP_ACCEPT_LANGUAGE="es-MX").content.decode() == offered
    assert client.get("/es/therapies/").content.decode() == spanish
    # A visitor who chose a language gets no offer, whatever the browser says.
    client.cookies["django_language"] = "en"
    assert 'class="language-offer"' not in client.get("/therapies/", HTTP_ACCEPT_LANGUAGE="es-MX").content.decode()


def _admin_form_data(model, obj, user):
    """What the admin's change form for ``obj`` posts when saved unchanged."""
    request = RequestFactory().get("/")
    request.user = user
    form = admin.site._registry[model].get_form(request, obj)(instance=obj)
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(field, BooleanField):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    return data


def test_saving_content_in_the_admin_refreshes_the_stored_page(
    client, cached, django_user_model, settings, django_capture_on_commit_callbacks
):
    therapy = Therapy.objects.get(slug="car-t-cell-therapy")
    path = "/therapies/car-t-cell-therapy/"
    reader = client.__class__()
    assert "A rewritten summary" not in reader.get(path).content.decode()
    assert _get(reader, path)[1] == 0  # stored

    settings.OTP_REQUIRED = False
    staff = django_user_model.objects.create_superuser("editor", "editor@example.org", "a-long-password-123")
    client.force_login(staff)
    data = _admin_form_data(Therapy, therapy, staff)
    data["summary_en"] = "A rewritten summary for families."
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:programs_therapy_change", args=[therapy.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]

    fresh, queries = _get(reader, path)
    assert queries > 0  # rendered again
    assert "A rewritten summary for families." in fresh.content.decode()
    assert "A rewritten summary for families." in reader.get("/therapies/").content.decode()
    assert _get(reader, path)[1] == 0  # and stored again


def test_deleting_and_inline_rows_refresh_too(client, cached, django_capture_on_commit_callbacks):
    program = Program.objects.get()
    client.get("/")
    with django_capture_on_commit_callbacks(execute=True):
        Highlight.objects.create(program=program, text="A brand-new highlight.", source="Program records")
    assert "A brand-new highlight." in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        Highlight.objects.get(text="A brand-new highlight.").delete()
    assert "A brand-new highlight." not in client.get("/").content.decode()


def test_a_refresh_waits_for_the_commit(client, cached, django_capture_on_commit_callbacks):
    client.get("/therapies/")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Therapy.objects.filter(slug="car-t-cell-therapy").get().save()
    assert _get(client, "/therapies/")[1] == 0  # not yet committed: the stored page stands
    callbacks[0]()
    assert _get(client, "/therapies/")[1] > 0


def test_a_reader_with_a_session_or_a_message_gets_a_fresh_page(client, cached):
    client.get("/therapies/")
    client.cookies["sessionid"] = "whatever"
    assert _get(client, "/therapies/")[1] > 0
    del client.cookies["sessionid"]
    client.cookies["messages"] = "whatever"
    assert _get(client, "/therapies/")[1] > 0


@pytest.mark.parametrize(("path", "status"), [("/studies/?age=abc", 400), ("/therapies/no-such-therapy/", 404)])
def test_only_plain_200_pages_are_stored(client, cached, path, status):
    assert client.get(path).status_code == status
    assert _get(client, path)[1] > 0


@pytest.mark.parametrize(("sets_cookie", "renders"), [(False, 1), (True, 2)])
def test_a_page_that_sets_a_cookie_is_never_stored(rf, settings, sets_cookie, renders):
    settings.PAGE_CACHE_SECONDS = 3600
    calls = []

    def stack_below(request):  # what the middleware below and a cached_page view would answer
        from django.http import HttpResponse

        calls.append(request)
        response = HttpResponse("a page")
        if sets_cookie:
            response.set_cookie("csrftoken", "one reader's token")
        response.page_cacheable = True
        return response

    middleware = page_cache.PageCacheMiddleware(stack_below)
    for _reader in range(2):
        assert middleware(rf.get("/therapies/")).content == b"a page"
    assert len(calls) == renders


def test_a_stored_page_is_answered_before_the_rest_of_the_stack(client, cached, monkeypatch):
    """No session, CSRF, URL resolving or view on a stored page: it keeps the headers they gave it, and the
    middleware above it (HTTPS, security headers) still runs."""
    from django.contrib.sessions.middleware import SessionMiddleware

    first = client.get("/therapies/")
    below = []
    monkeypatch.setattr(SessionMiddleware, "process_request", lambda self, request: below.append(request))
    again = client.get("/therapies/")
    assert below == [] and again.content == first.content
    for header in ("Content-Security-Policy", "Content-Language", "Vary", "X-Frame-Options", "Content-Length"):
        assert again[header] == first[header], header
    assert "Accept-Language" in again["Vary"] and again["Content-Length"] == str(len(again.content))
    assert again["X-Content-Type-Options"] == "nosniff" and again["Referrer-Policy"] == "same-origin"
    assert client.head("/therapies/").status_code == 200


@pytest.mark.parametrize("path", ["/robots.txt", "/refer/", "/request-a-visit/", "/admin/login/", "/no-such-page/"])
def test_other_pages_never_wait_on_the_page_cache(client, cached, monkeypatch, path):
    looked_up = []
    monkeypatch.setattr(page_cache, "_stored_page", lambda key, version: looked_up.append(key))
    client.get(path)
    client.get(path)
    assert looked_up == []
    client.get("/es/therapies/")
    assert len(looked_up) == 1  # a content page is looked up (the Spanish address resolves too)


def test_a_nul_byte_in_a_cookie_still_gets_a_400_on_a_stored_page(client, cached):
    assert client.get("/therapies/").status_code == 200
    client.cookies["tracker"] = "abc\x00def"
    assert client.get("/therapies/").status_code == 400


def test_no_cache_when_turned_off(client, content, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/therapies/")
    assert _get(client, "/therapies/")[1] > 0


def test_a_new_release_does_not_serve_the_old_pages(settings):
    page_cache.release.cache_clear()
    before = page_cache.release()
    settings.PHONE_MAIN = "215-555-0199"
    page_cache.release.cache_clear()
    try:
        assert page_cache.release() != before
    finally:
        page_cache.release.cache_clear()


def test_markdown_is_rendered_once_per_text_and_language(monkeypatch):
    markdown.render_markdown.cache_clear()
    calls = []
    real = markdown.md.markdown
    monkeypatch.setattr(markdown.md, "markdown", lambda text, **kw: calls.append(text) or real(text, **kw))
    text = "A [link](/refer/) in **Markdown**, seen for the first time."
    first = markdown.render_markdown(text, language="es")
    assert markdown.render_markdown(text, language="es") == first
    assert 'href="/es/refer/"' in first
    assert len(calls) == 1
    assert 'href="/refer/"' in markdown.render_markdown(text, language="en")
    assert len(calls) == 2


# The benchmark's content pages (make bench): queries when rendered, none when stored.
BENCHMARK_PAGES = {
    "/": 7,  # the program, its highlights, therapies, stories, videos, the recruiting count, the family pages
    "/es/": 7,
    "/studies/": 2,  # the studies, the program's introduction
    "/therapies/car-t-cell-therapy/": 1,
    "/videos/how-cancer-immunotherapy-works/": 1,
}


@pytest.mark.parametrize(("path", "rendered"), BENCHMARK_PAGES.items())
def test_benchmark_pages_query_counts(client, cached, path, rendered, django_assert_num_queries):
    with django_assert_num_queries(rendered):
        assert client.get(path).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(path).status_code == 200


class _Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(page_cache, "_clock", clock)
    return clock


def test_another_workers_save_shows_within_a_second(client, cached, clock, django_capture_on_commit_callbacks):
    path = "/therapies/car-t-cell-therapy/"
    client.get(path)
    # Another worker saves content: it renews the shared version; this worker has not looked yet.
    Therapy.objects.filter(slug="car-t-cell-therapy").update(summary_en="Rewritten on another worker.")
    page_cache.cache.set(page_cache.VERSION_KEY, "another-workers-version", None)
    clock.now += page_cache.VERSION_CHECK_SECONDS / 2
    assert _get(client, path)[1] == 0  # this worker's copy, for at most VERSION_CHECK_SECONDS
    clock.now += page_cache.VERSION_CHECK_SECONDS
    fresh, queries = _get(client, path)
    assert queries > 0 and "Rewritten on another worker." in fresh.content.decode()


def test_a_page_another_worker_rendered_is_served_from_the_shared_cache(client, cached):
    path = "/therapies/"
    first = client.get(path)
    page_cache.forget()  # this worker's memory is empty: as on the other worker
    again, queries = _get(client, path)
    assert queries == 0 and again.content == first.content


def test_copies_in_memory_last_at_most_page_cache_seconds(client, cached, settings, clock):
    settings.PAGE_CACHE_SECONDS = 60
    client.get("/therapies/")
    clock.now += 30
    assert _get(client, "/therapies/")[1] == 0
    page_cache.cache.clear()  # the shared copy expired (and with it the version)
    clock.now += 31
    assert _get(client, "/therapies/")[1] > 0


def test_each_worker_keeps_a_bounded_number_of_pages(client, cached, monkeypatch):
    monkeypatch.setattr(page_cache, "LOCAL_PAGES", 3)
    for age in range(1, 8):
        client.get("/studies/", {"age": age})
    assert len(page_cache._local) == 3


# --- When the cache cannot be reached, pages are rendered afresh: never a 500 -------------------------------


# Redis on a port nothing listens on: every cache call is refused at once (as when Redis is down).
CACHE_DOWN = {"default": {"BACKEND": "core.redis_cache.ReusedClientRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}


@pytest.fixture
def hung_cache(settings):
    """A "Redis" that accepts connections and never answers (a hung server): each call waits CACHE_SOCKET_TIMEOUT."""
    settings.CACHE_SOCKET_TIMEOUT = 0.2
    with socket.create_server(("127.0.0.1", 0), backlog=64) as listener:
        hung = {"default": {**CACHE_DOWN["default"], "LOCATION": f"redis://127.0.0.1:{listener.getsockname()[1]}/0"}}
        with override_settings(CACHES=hung):
            yield


@pytest.fixture
def unreachable_cache():
    with override_settings(CACHES=CACHE_DOWN):  # undone before the suite's own teardown clears the cache
        yield


@pytest.mark.parametrize("path", ["/", "/es/therapies/car-t-cell-therapy/", "/request-a-visit/", "/refer/"])
def test_pages_and_forms_are_served_when_the_cache_is_down(client, cached, unreachable_cache, path, caplog):
    for _reader in range(2):
        response = client.get(path)
        assert response.status_code == 200
        assert "</footer>" in response.content.decode()
    if "request-a-visit" in path or "refer" in path:
        assert 'name="form_token"' in response.content.decode()
    assert "page cache unavailable" in caplog.text


def test_saving_content_while_the_cache_is_down_saves_it_and_shows_it(
    client, cached, unreachable_cache, django_capture_on_commit_callbacks
):
    client.get("/therapies/car-t-cell-therapy/")
    therapy = Therapy.objects.get(slug="car-t-cell-therapy")
    therapy.summary_en = "Saved while the cache was down."
    with django_capture_on_commit_callbacks(execute=True):
        therapy.save()
    assert Therapy.objects.get(pk=therapy.pk).summary_en == "Saved while the cache was down."
    assert "Saved while the cache was down." in client.get("/therapies/car-t-cell-therapy/").content.decode()


def test_a_save_made_while_the_cache_was_down_renews_the_stored_pages_once_it_is_back(
    client, cached, clock, django_capture_on_commit_callbacks
):
    path = "/therapies/car-t-cell-therapy/"
    client.get(path)  # stored, here and in the shared cache
    therapy = Therapy.objects.get(slug="car-t-cell-therapy")
    therapy.summary_en = "Saved while the cache was down."
    with override_settings(CACHES=CACHE_DOWN), django_capture_on_commit_callbacks(execute=True):
        therapy.save()
    # The cache is back, still holding the page stored before the save.
    clock.now += page_cache.VERSION_CHECK_SECONDS
    fresh, queries = _get(client, path)
    assert queries > 0 and "Saved while the cache was down." in fresh.content.decode()
    assert _get(client, path)[1] == 0  # stored again, under the renewed version


def test_a_hung_cache_delays_a_page_by_its_socket_timeout_not_forever(client, cached, hung_cache, clock):
    for path in ["/therapies/car-t-cell-therapy/", "/request-a-visit/"]:
        started = time.monotonic()
        response = client.get(path)
        assert response.status_code == 200
        assert time.monotonic() - started < 2  # one wait of 0.2 s for the version; redis-py alone waits forever
    # Within VERSION_CHECK_SECONDS of a failed read the cache is not asked again: no wait at all.
    started = time.monotonic()
    assert client.get("/therapies/").status_code == 200
    assert time.monotonic() - started < 0.2
