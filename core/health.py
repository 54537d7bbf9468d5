"""``/healthz`` (liveness) and ``/readyz`` (readiness), for monitoring and the load balancer.

Both are answered by the first middleware, before sessions, authentication,
locale or the HTTPS redirect, so a probe never loads or saves a session and a
plain-HTTP probe from inside the network is not redirected.

- ``/healthz`` touches nothing: the process is up and answering.
- ``/readyz`` also runs ``SELECT 1`` on the database and writes and reads one
  key in the cache; when either fails it answers 503 (with ``Retry-After``),
  so a load balancer stops sending this node requests until it recovers. The
  body names which part failed, never why (no hosts or error text).
"""

import json
import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, HttpResponseNotAllowed

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"

logger = logging.getLogger("core.health")


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info not in (HEALTH_PATH, READY_PATH):
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        if request.path_info == READY_PATH:
            return readiness()
        response = HttpResponse(b"ok", content_type="text/plain")
        response["Cache-Control"] = "no-store"
        return response


def readiness():
    checks = {"database": _database_answers(), "cache": _cache_answers()}
    ready = all(checks.values())
    body = {"status": "ready" if ready else "unavailable"}
    body.update({name: "ok" if passed else "unavailable" for name, passed in checks.items()})
    response = HttpResponse(json.dumps(body), content_type="application/json", status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    if not ready:
        response["Retry-After"] = str(settings.OUTAGE_RETRY_AFTER_SECONDS)
    return response


def _database_answers():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception as exc:  # any failure means "not ready"; the class alone is logged
        logger.warning("readiness: database unavailable error=%s", type(exc).__name__)
        return False


def _cache_answers():
    key, value = "readyz", secrets.token_hex(8)
    try:
        cache.set(key, value, timeout=10)
        return cache.get(key) == value
    except Exception as exc:
        logger.warning("readiness: cache unavailable error=%s", type(exc).__name__)
        return False
