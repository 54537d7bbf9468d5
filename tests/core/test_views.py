"""The site's error pages (core.views): each status in the site's design and the reader's language,
and the refusals that reach them through Django (CSRF, request limits, methods, missing pages, crashes)."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from core import views
from referrals.models import Submission
from tests.referrals.factories import referral_data, second_opinion_data, upload

pytestmark = pytest.mark.django_db

# (view, status, English heading as it appears in the HTML)
ERROR_PAGES = [
    (views.bad_request, 400, "We could not read that request"),
    (views.permission_denied, 403, "You can&#x27;t open this page"),
    (views.csrf_failure, 403, "You can&#x27;t open this page"),
    (views.page_not_found, 404, "We can&#x27;t find that page"),
    (views.method_not_allowed, 405, "This page can&#x27;t do that"),
    (views.request_too_large, 413, "Your files are too big to send"),
    (views.too_many_requests, 429, "Please wait before sending again"),
    (views.server_error, 500, "Something went wrong on our side"),
]


def _spanish(text):
    with translation.override("es"):
        return translation.gettext(text.replace("&#x27;", "'")).replace("'", "&#x27;")


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(("view", "status", "heading"), ERROR_PAGES, ids=[page[0].__name__ for page in ERROR_PAGES])
def test_each_error_page_in_the_site_design_and_language(settings, view, status, heading, language):
    request = RequestFactory().get("/anything/")
    with translation.override(language):
        response = view(request)
    html = response.content.decode()
    assert response.status_code == status
    expected = heading if language == "en" else _spanish(heading)
    assert language == "en" or expected != heading, "no Spanish heading in the catalogue"
    assert f"<h1>{expected}</h1>" in html
    assert html.count("<h1") == 1
    assert f'<html lang="{language}">' in html
    assert 'class="site-header"' in html and 'class="site-footer' in html and 'href="#main"' in html


def test_429_and_500_pages_give_the_main_line_and_429_says_when_to_retry(settings):
    settings.PHONE_MAIN = "267-426-0100"
    settings.RATELIMIT_WINDOW_SECONDS = 1800
    request = RequestFactory().post("/refer/")
    limited = views.too_many_requests(request)
    assert limited["Retry-After"] == "1800"
    assert "30 minutes" in limited.content.decode()
    assert 'href="tel:2674260100"' in limited.content.decode()
    assert 'href="tel:2674260100"' in views.server_error(request).content.decode()


def test_413_page_names_the_limits(settings):
    settings.UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    settings.UPLOAD_MAX_FILES = 4
    html = views.request_too_large(RequestFactory().post("/refer/")).content.decode()
    assert "Nothing was saved" in html
    assert "at most 5 MB" in html and "up to 4 files" in html


# --- Through Django: what sends a request to each page ------------------------------


def test_post_without_csrf_token_gets_the_403_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("referrals:refer"), referral_data())
    assert response.status_code == 403
    assert "form expired" in response.content.decode()
    assert not Submission.objects.exists()


def test_not_found_page_uses_the_site_design(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We can&#x27;t find that page" in html
    assert 'class="site-header"' in html and 'class="site-footer' in html
    assert html.count("<h1") == 1


def test_other_methods_not_allowed_get_the_405_page(client):
    for response in (
        client.put(reverse("referrals:refer")),
        client.options(reverse("referrals:second_opinion")),
        client.post(reverse("referrals:confirmation", args=["x"])),
        client.post("/"),
    ):
        assert response.status_code == 405
        html = response.content.decode()
        assert "This page can&#x27;t do that" in html  # the site's page, not an empty body
        assert 'class="site-header"' in html
        assert response["Allow"]


def test_oversized_body_gets_the_400_page(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post(reverse("referrals:second_opinion"), second_opinion_data(message="x" * 20_000))
    assert response.status_code == 400
    assert "nothing was saved" in response.content.decode()
    assert not Submission.objects.exists()


def test_too_many_fields_gets_the_400_page(client, settings):
    data = second_opinion_data()
    data.update({f"extra{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)})
    response = client.post(reverse("referrals:second_opinion"), data)
    assert response.status_code == 400
    assert "We could not read that request" in response.content.decode()
    assert not Submission.objects.exists()


def test_too_many_files_in_request_gets_the_400_page(client, settings):
    data = second_opinion_data()
    data["documents"] = [upload(f"f{i}.pdf") for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    response = client.post(reverse("referrals:second_opinion"), data)
    assert response.status_code == 400
    assert "We could not read that request" in response.content.decode()
    assert not Submission.objects.exists()


@pytest.mark.parametrize(("prefix", "heading"), [("", "Something went wrong on our side"), ("/es", "Algo salió mal")])
def test_server_error_page_uses_the_site_design_and_language(settings, prefix, heading):
    settings.ROOT_URLCONF = "tests.core.failing_urls"
    settings.PHONE_MAIN = "215-555-0100"
    response = Client(raise_request_exception=False).get(f"{prefix}/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert heading in html
    assert f'<html lang="{"es" if prefix else "en"}">' in html
    assert html.count("<h1") == 1
    assert 'class="site-header"' in html and 'class="site-footer' in html and 'href="#main"' in html
    assert "215-555-0100" in html
    assert "something broke" not in html  # nothing of the error reaches the page
