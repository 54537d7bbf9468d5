"""``/healthz``: liveness for monitoring and benchmarks.

Answered by the first middleware, before sessions, authentication, locale or the
HTTPS redirect, so a probe never touches the database (not even to load or save
a session when it carries a cookie) and a plain-HTTP probe from inside the
network is not redirected.
"""

from django.http import HttpResponse, HttpResponseNotAllowed

HEALTH_PATH = "/healthz"


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != HEALTH_PATH:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        response = HttpResponse(b"ok", content_type="text/plain")
        response["Cache-Control"] = "no-store"
        return response
