"""URLs. Public pages sit under i18n_patterns: English at /, Spanish at /es/.

/healthz is answered by core.health.HealthCheckMiddleware, before any of these.
"""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from core.language_offer import choose_language
from programs import views as program_views
from programs.sitemaps import sitemaps

urlpatterns = [
    path("robots.txt", program_views.robots_txt, name="robots_txt"),
    path("", include("core.icons")),  # /favicon.ico, /apple-touch-icon.png...
    path("language/<str:code>/", choose_language, name="choose_language"),
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
]

urlpatterns += i18n_patterns(
    path("", include("referrals.urls")),
    path("", include("programs.urls")),
    prefix_default_language=False,
)

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
