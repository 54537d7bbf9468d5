"""Give Django's bare 405 answers (``require_http_methods``, ``require_safe``) the site's error page."""

from django.utils.translation import gettext as _


class MethodNotAllowedPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content or request.path_info.startswith("/admin/"):
            return response
        from programs.views import error_page

        page = error_page(
            request,
            405,
            _("This page can't do that"),
            _("The page was asked to do something it does not do. Please go back and use the page's own buttons."),
        )
        page["Allow"] = response.get("Allow", "")
        return page
