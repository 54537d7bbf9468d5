"""``/healthz`` (core.health): answered by the first middleware, without the database, sessions or HTTPS redirect."""

import pytest


@pytest.mark.django_db
def test_healthz_answers_ok_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain"
    assert response["Cache-Control"] == "no-store"


def test_healthz_touches_no_database_with_a_session_cookie(client, django_assert_num_queries, django_user_model):
    # A signed-in browser (or a probe that kept a cookie) would otherwise load and re-save its session.
    client.force_login(django_user_model.objects.create_user("probe", password="x" * 20, is_staff=True))
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


@pytest.mark.django_db
def test_healthz_is_not_redirected_to_https_and_only_answers_reads(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200  # a plain-HTTP probe inside the network
    assert client.head("/healthz").status_code == 200
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert client.get("/healthz", headers={"host": "10.0.0.7"}).status_code == 200  # probes use the bare IP
