"""
A per-client limit on POSTs to the public forms, kept in the default cache
(Redis or the database cache: shared by every worker process).

A fixed window: the first POST in a window creates the counter with
``cache.add`` (atomic: only one process creates it), every POST increments it
with ``cache.incr``. Redis increments atomically; the database cache reads
then writes, so under heavy concurrency it may let a few extra POSTs through.
Use Redis (``CACHE_URL``) in production.
"""

import hashlib
import ipaddress
import logging
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache

from core.client_address import client_ip
from core.views import too_many_requests

logger = logging.getLogger("core.ratelimit")


def client_key(request):
    """Whom a POST is counted against: the IPv4 address, or the IPv6 /64 network.

    One IPv6 subscriber usually holds a whole /64 and can pick a new address per
    request, so counting single IPv6 addresses would not limit anyone.
    """
    address = client_ip(request)
    if not address:
        return "unknown"
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def hit(request, scope="intake"):
    """Count one POST. Return True if the client is still within the limit (RATELIMIT_POSTS per window)."""
    return within_limit(
        scope, client_key(request), limit=settings.RATELIMIT_POSTS, window=settings.RATELIMIT_WINDOW_SECONDS
    )


def within_limit(scope, key, *, limit, window):
    """Count one event for ``key`` in ``scope``; True while it is within ``limit`` events per ``window`` seconds.

    The key is hashed (it may be an address or a reference number). If the cache
    cannot be reached the event is let through (and logged): a family's form is
    never lost because the rate limiter is down.
    """
    window = max(int(window), 1)
    bucket = int(time.time() // window)
    key_hash = hashlib.sha256(str(key).encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{scope}:{key_hash}:{bucket}"
    try:
        cache.add(cache_key, 0, timeout=window + 5)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr: start again
            cache.add(cache_key, 1, timeout=window + 5)
            count = 1
    except Exception:  # noqa: BLE001 - any cache backend error (Redis down, database cache table missing)
        logger.warning("rate limit cache unavailable; letting the request through", exc_info=True)
        return True
    return count <= limit


def ratelimit_posts(view):
    """Answer 429 with a helpful page when a client sends too many forms."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" and not hit(request):
            return too_many_requests(request)
        return view(request, *args, **kwargs)

    return wrapper
