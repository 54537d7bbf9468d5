"""Request guards for the whole site: one place, so no view has to remember them."""

from core.views import bad_request, method_not_allowed

NUL = "\x00"


class RejectNulBytesMiddleware:
    """Answer 400 to a NUL byte anywhere in the path, the query, a cookie or a form's fields.

    PostgreSQL refuses NUL in text (a ``DataError``, so a 500) wherever such a
    value reaches a query: a URL argument, a search term, a list filter, a
    session cookie. The path, query and cookies are checked before anything
    else runs; a POST's fields once its view is known. Views that parse their
    own uploads (marked ``parses_own_uploads``: the public forms, whose size and
    file-name guards must see the body first) are left to their forms, whose
    text fields refuse NUL themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self.in_request_line_or_cookies(request):
            return bad_request(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or getattr(view_func, "parses_own_uploads", False):
            return None
        if _any_nul(request.POST.lists()):
            return bad_request(request)
        return None

    @staticmethod
    def in_request_line_or_cookies(request):
        if NUL in request.path_info or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        return _any_nul(request.GET.lists()) or _any_nul((key, [value]) for key, value in request.COOKIES.items())


def _any_nul(lists):
    return any(NUL in text for key, values in lists for text in (key, *values))


class MethodNotAllowedPageMiddleware:
    """Give Django's bare 405 answers (``require_http_methods``, ``require_safe``) the site's error page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content or request.path_info.startswith("/admin/"):
            return response
        return method_not_allowed(request, allowed=response.get("Allow", ""))
