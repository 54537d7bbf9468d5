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
from django.shortcuts import render

from referrals.client_address import client_ip

logger = logging.getLogger("referrals.ratelimit")


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
    """Count one POST. Return True if the client is still within the limit.

    If the cache cannot be reached the POST is let through (and logged): a
    family's form is never lost because the rate limiter is down.
    """
    window = max(int(settings.RATELIMIT_WINDOW_SECONDS), 1)
    bucket = int(time.time() // window)
    client_hash = hashlib.sha256(client_key(request).encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{client_hash}:{bucket}"
    try:
        cache.add(key, 0, timeout=window + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr: start again
            cache.add(key, 1, timeout=window + 5)
            count = 1
    except Exception:  # noqa: BLE001 - any cache backend error (Redis down, database cache table missing)
        logger.warning("rate limit cache unavailable; letting the POST through", exc_info=True)
        return True
    return count <= settings.RATELIMIT_POSTS


def program_phone():
    """The number to call instead: the PROGRAM_PHONE setting, else the program's published phone."""
    if settings.PROGRAM_PHONE:
        return settings.PROGRAM_PHONE
    from programs.models import Program

    program = Program.objects.published().only("contact_phone").first()
    return program.contact_phone if program else ""


def ratelimit_posts(view):
    """Answer 429 with a helpful page when a client sends too many forms."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" and not hit(request):
            minutes = max(int(settings.RATELIMIT_WINDOW_SECONDS) // 60, 1)
            response = render(
                request,
                "referrals/ratelimited.html",
                {"minutes": minutes, "program_phone": program_phone()},
                status=429,
            )
            response["Retry-After"] = str(settings.RATELIMIT_WINDOW_SECONDS)
            return response
        return view(request, *args, **kwargs)

    return wrapper
