"""The program's icon at the addresses browsers and phones ask for on their own, whatever a page links:
/favicon.ico, /apple-touch-icon.png and /apple-touch-icon-precomposed.png (files from static/icons/)."""

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import FileResponse, Http404
from django.urls import path
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

ROOT_ICONS = {
    "favicon.ico": "icons/favicon.ico",
    "apple-touch-icon.png": "icons/apple-touch-icon.png",
    "apple-touch-icon-precomposed.png": "icons/apple-touch-icon.png",
}


@require_safe
@cache_control(max_age=7 * 24 * 3600, public=True)  # a week, not a year: these names carry no hash
def root_icon(request, static_path):
    return FileResponse(_open(static_path))


def _open(static_path):
    """The collected copy (what whitenoise serves after `collectstatic`), else the file in static/ (tests, DEBUG)."""
    if staticfiles_storage.exists(static_path):
        return staticfiles_storage.open(static_path)
    found = finders.find(static_path)
    if not found:
        raise Http404
    return open(found, "rb")  # FileResponse closes it


urlpatterns = [path(name, root_icon, {"static_path": static_path}) for name, static_path in ROOT_ICONS.items()]
