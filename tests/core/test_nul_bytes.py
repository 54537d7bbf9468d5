"""A NUL byte anywhere a person can put one gets a 4xx, never a 500 (PostgreSQL refuses NUL in text: a DataError).

The guard is one middleware (core.middleware.RejectNulBytesMiddleware), so these cover it once for every view.
"""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests.referrals.factories import make_submission


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/received/%00/",
        "/es/received/%00/",
        "/studies/NCT%00/",
        "/studies/?status=%00",
        "/studies/?age=1%00",
        "/therapies/car%00t/",
        "/?q%00=1",
    ],
)
def test_public_urls_with_a_nul_byte_answer_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert 'id="main"' in response.content.decode()  # the site's own error page, in the page's language


@pytest.mark.django_db
def test_a_nul_byte_in_a_cookie_answers_400(client):
    client.cookies["sessionid"] = "abc\x00def"
    assert client.get("/").status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/login/", "/status/"])
@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_nul_byte_in_posted_fields_answers_400(client, url, encoding):
    data = {"username": "coord\x00", "password": "x", "language": "es\x00", "next": "/"}
    if encoding == "urlencoded":
        response = client.post(url, urlencode(data), content_type="application/x-www-form-urlencoded")
    else:
        response = client.post(url, data)
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["status=%00", "urgency=%00", "kind=%00", "assigned=%00", "q=%00", "qk=%00", "o=%00"])
def test_queue_filters_and_search_with_a_nul_byte_never_500(coordinator_client, query):
    make_submission()
    response = coordinator_client.get(reverse("admin:referrals_submission_changelist") + "?" + query)
    assert response.status_code == 400


@pytest.mark.django_db
def test_queue_search_by_post_with_a_nul_byte_answers_400(coordinator_client):
    make_submission()
    response = coordinator_client.post(reverse("admin:referrals_submission_search"), {"q": "Ana\x00"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_admin_change_page_with_a_nul_byte_in_the_id_never_500(coordinator_client):
    response = coordinator_client.get("/admin/referrals/submission/1%00/change/")
    assert response.status_code == 400


@pytest.mark.django_db
def test_multipart_form_text_with_a_nul_byte_is_a_form_error_not_a_500(client):
    # Multipart bodies are left to the forms (the middleware never parses uploads): their text fields refuse NUL.
    from tests.referrals.factories import existing_patient_data

    response = client.post(reverse("referrals:existing_patient"), existing_patient_data(patient_name="Ana\x00Lopez"))
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
