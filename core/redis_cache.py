"""Django's Redis cache, with one Redis client per connection pool instead of one per operation.

Django's ``RedisCacheClient`` makes a new ``redis.Redis`` for every get and set,
and each one builds its table of some 170 reply parsers: on a page served from
the cache, that was a quarter of the time. A ``redis.Redis`` holds no connection
of its own (its pool does) and is safe to share, so one per pool is kept.

redis-py waits for a reply forever by default, so a Redis that hangs would hang
every page that reads the cache. Here a connection attempt and each reply wait
at most ``CACHE_SOCKET_TIMEOUT`` seconds (unless the cache's OPTIONS say
otherwise); then the call fails, and the page cache and the rate limit carry on
without the cache.
"""

from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        timeout = settings.CACHE_SOCKET_TIMEOUT
        options = {"socket_connect_timeout": timeout, "socket_timeout": timeout, **params.get("OPTIONS", {})}
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedRedisCacheClient
