"""A URLconf whose only page fails, to see the 500 page (tests/core/test_views.py)."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import path


def broken(request):
    raise RuntimeError("something broke")


urlpatterns = i18n_patterns(path("broken/", broken), prefix_default_language=False)

handler500 = "core.views.server_error"
