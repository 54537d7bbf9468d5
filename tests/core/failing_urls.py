"""A URLconf whose only pages fail, to see the 500 and 503 pages (tests/core/test_views.py, test_outage.py)."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import path


def broken(request):
    raise RuntimeError("something broke")


def broken_view(request):
    """Replaced by a test with a view that raises the error it needs."""
    raise RuntimeError("something broke")


urlpatterns = i18n_patterns(
    path("broken/", broken),
    path("database-gone/", lambda request: broken_view(request)),
    prefix_default_language=False,
)

handler500 = "core.views.server_error"
