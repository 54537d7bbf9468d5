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
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

from referrals.client_address import client_ip


def hit(request, scope="intake"):
    """Count one POST. Return True if the client is still within the limit."""
    window = max(int(settings.RATELIMIT_WINDOW_SECONDS), 1)
    bucket = int(time.time() // window)
    ip_hash = hashlib.sha256((client_ip(request) or "unknown").encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{ip_hash}:{bucket}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: start again
        cache.add(key, 1, timeout=window + 5)
        count = 1
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
