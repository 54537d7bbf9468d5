"""The public forms' rate limit (core.ratelimit): a fixed window per client, kept in the shared cache."""

import logging
import secrets

import pytest
from django.test import RequestFactory
from django.urls import reverse

from core import ratelimit
from referrals.models import Submission
from tests.referrals.factories import existing_patient_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def url():
    # The shortest public form: any view wrapped in ratelimit_posts would do.
    return reverse("referrals:existing_patient")


def test_rate_limit_gives_429_with_helpful_page(client, settings, url):
    settings.RATELIMIT_POSTS = 3
    settings.RATELIMIT_WINDOW_SECONDS = 600
    settings.PHONE_MAIN = "215-555-0100"
    statuses = [client.post(url, existing_patient_data()).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    response = client.post(url, existing_patient_data())
    html = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    assert "10 minutes" in html
    assert "215-555-0100" in html
    assert Submission.objects.count() == 3
    # GETs are never limited.
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("first", "same_client", "other_client"),
    [
        ("10.0.0.1", "10.0.0.1", "10.0.0.2"),
        # IPv6: a new address in the same /64 (one subscriber's network) is the same client.
        ("2001:db8:1:2::1", "2001:db8:1:2::5", "2001:db8:1:3::1"),
    ],
)
def test_rate_limit_is_per_client(client, settings, url, first, same_client, other_client):
    settings.RATELIMIT_POSTS = 1
    assert client.post(url, existing_patient_data(), REMOTE_ADDR=first).status_code == 302
    assert client.post(url, existing_patient_data(), REMOTE_ADDR=same_client).status_code == 429
    assert client.post(url, existing_patient_data(), REMOTE_ADDR=other_client).status_code == 302


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),  # an IPv4 client seen through an IPv6 socket
        ("not-an-ip", "unknown"),
    ],
)
def test_client_key_is_the_ipv4_address_or_the_ipv6_64(address, key):
    assert ratelimit.client_key(RequestFactory().post("/", REMOTE_ADDR=address)) == key


def test_rate_limit_reads_forwarded_for_only_behind_trusted_proxies(client, settings, url):
    settings.RATELIMIT_POSTS = 1
    # No trusted proxy: a spoofed header does not give a fresh allowance.
    client.post(url, existing_patient_data(), HTTP_X_FORWARDED_FOR="1.1.1.1")
    assert client.post(url, existing_patient_data(), HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 429
    settings.TRUSTED_PROXY_COUNT = 1
    assert client.post(url, existing_patient_data(), HTTP_X_FORWARDED_FOR="9.9.9.9, 3.3.3.3").status_code == 302
    assert client.post(url, existing_patient_data(), HTTP_X_FORWARDED_FOR="8.8.8.8, 3.3.3.3").status_code == 429


def test_rate_limit_ignores_a_short_forwarded_chain(client, settings, url):
    # Behind two proxies a one-entry X-Forwarded-For was forged or skipped a proxy:
    # the limit falls back to the connecting address instead of trusting it.
    settings.RATELIMIT_POSTS = 1
    settings.TRUSTED_PROXY_COUNT = 2
    assert client.post(url, existing_patient_data(), HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 302
    assert client.post(url, existing_patient_data(), HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 429


def test_rate_limit_works_with_the_database_cache(client, settings, url):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}
    }
    settings.RATELIMIT_POSTS = 1
    assert client.post(url, existing_patient_data()).status_code == 302
    assert client.post(url, existing_patient_data()).status_code == 429


def test_rate_limit_works_with_redis_shared_across_workers(client, settings, url):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("needs Redis on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": f"cip_b-test-{secrets.token_hex(4)}",
        }
    }
    settings.RATELIMIT_POSTS = 2
    statuses = [client.post(url, existing_patient_data()).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]


def test_a_form_is_never_lost_when_the_rate_limit_cache_is_down(client, settings, url, caplog):
    # Nothing listens on port 1: every cache call fails to connect.
    working = settings.CACHES
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    try:
        with caplog.at_level(logging.WARNING, logger="core.ratelimit"):
            response = client.post(url, existing_patient_data())
    finally:
        settings.CACHES = working  # the fixtures clear the cache afterwards
    assert response.status_code == 302
    assert Submission.objects.count() == 1
    lines = [record.getMessage() for record in caplog.records if record.name == "core.ratelimit"]
    assert lines == ["rate limit cache unavailable; letting the request through"]
