"""The database out of reach: pages answer the designed 503 with Retry-After, and /readyz says "unavailable".

The PostgreSQL tests point the live connection at a port where nothing listens
(connection refused, as while the server restarts) and cut a connection from
the server side (pg_terminate_backend, as a restart does to open connections).
"""

import socket

import pytest
from django.db import OperationalError, close_old_connections, connection
from django.test import Client
from django.urls import reverse

from tests.referrals.factories import referral_data


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # free once closed: nothing listens there


@pytest.fixture
def database_down():
    """Every new connection is refused until the test ends (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: a refused connection is a server's, SQLite has none")
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    yield
    connection.close()
    connection.settings_dict.update(saved)


def _assert_designed_503(response, settings, heading="We are briefly unavailable"):
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.OUTAGE_RETRY_AFTER_SECONDS)
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert heading in html
    assert settings.PHONE_MAIN in html
    assert "Something went wrong" not in html  # not the 500 page
    assert "OperationalError" not in html and "127.0.0.1" not in html


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/", "/es/", "/studies/"])
def test_pages_answer_the_designed_503_while_the_database_is_down(database_down, settings, path):
    response = Client(raise_request_exception=False).get(path)
    spanish = path.startswith("/es/")
    _assert_designed_503(
        response, settings, "Estamos brevemente fuera de servicio" if spanish else "We are briefly unavailable"
    )
    assert f'<html lang="{"es" if spanish else "en"}">' in response.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_form_sent_while_the_database_is_down_gets_the_503_and_saves_nothing(database_down, settings, caplog):
    client = Client(raise_request_exception=False)
    response = client.post(reverse("referrals:refer"), referral_data())
    _assert_designed_503(response, settings)
    assert "Zyxmarker" not in caplog.text  # nothing the family typed reaches a log line


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_readiness_fails_while_the_database_is_down_and_liveness_still_answers(database_down, settings):
    client = Client(raise_request_exception=False)
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "database": "unavailable", "cache": "ok"}
    assert ready["Retry-After"] == str(settings.OUTAGE_RETRY_AFTER_SECONDS)
    assert client.get("/healthz").status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_after_a_restart_cuts_the_connection_the_next_request_reconnects():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    client = Client(raise_request_exception=False)
    assert client.get("/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    # Another session ends ours, as a server restart ends every open connection.
    import psycopg2

    params = connection.get_connection_params()
    with psycopg2.connect(**params) as other, other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    other.close()
    # The start of every request (Django's request_started signal, which the test client leaves out) checks
    # the kept connection (CONN_HEALTH_CHECKS): the dead one is found and a new one opened.
    close_old_connections()
    assert client.get("/").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_a_database_error_raised_in_a_view_gets_the_503_not_the_500(settings, monkeypatch):
    """On any database backend: the handler tells an outage from a bug by the exception's class."""
    settings.ROOT_URLCONF = "tests.core.failing_urls"
    from tests.core import failing_urls

    def database_gone(request):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(failing_urls, "broken_view", database_gone)
    response = Client(raise_request_exception=False).get("/database-gone/")
    _assert_designed_503(response, settings)
    assert "server closed" not in response.content.decode()


@pytest.mark.django_db
def test_readiness_checks_the_database_and_the_cache(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "cache": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers and "Retry-After" not in response.headers
    assert client.post("/readyz").status_code == 405


@pytest.mark.django_db
def test_readiness_fails_when_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "cache": "unavailable"}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}  # for teardown


@pytest.mark.django_db
def test_readiness_with_the_real_redis(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": "cip-tests-readyz",
        }
    }
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    assert client.get("/readyz").json()["cache"] == "ok"
