"""The Redis cache keeps one client per connection pool, and still works as Django's does (a real Redis)."""

import secrets

import pytest
import redis
from django.core.cache.backends.redis import RedisCache

from core.redis_cache import ReusedClientRedisCache

LOCATION = "redis://127.0.0.1:6379/14"


@pytest.fixture
def redis_cache():
    try:
        redis.Redis.from_url(LOCATION, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    backend = ReusedClientRedisCache(LOCATION, {"KEY_PREFIX": f"test-{secrets.token_hex(4)}"})
    yield backend
    backend.clear()


def test_one_client_serves_every_operation(redis_cache):
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client
    assert redis_cache._cache.get_client("some-key") is client
    # Django's own makes a new one each time: the cost this backend removes.
    assert RedisCache(LOCATION, {})._cache.get_client() is not RedisCache(LOCATION, {})._cache.get_client()


def test_it_behaves_as_djangos_redis_cache(redis_cache):
    assert redis_cache.get("missing") is None
    redis_cache.set("page", (b"<html>", [("Content-Type", "text/html")]), 60)
    assert redis_cache.get("page") == (b"<html>", [("Content-Type", "text/html")])
    assert redis_cache.add("page", "other", 60) is False
    assert redis_cache.add("version", "v1", None) is True
    assert redis_cache.get_many(["page", "version", "missing"]) == {
        "page": (b"<html>", [("Content-Type", "text/html")]),
        "version": "v1",
    }
    assert redis_cache.add("counter", 0, 60) is True
    assert redis_cache.incr("counter") == 1
    redis_cache.delete("page")
    assert redis_cache.get("page") is None
