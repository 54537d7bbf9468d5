from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ReferralsConfig(AppConfig):
    default = True
    default_auto_field = "django.db.models.BigAutoField"
    name = "referrals"


class CipAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with our two-factor site as ``admin.site`` (listed in INSTALLED_APPS instead of the admin)."""

    default = False
    default_site = "referrals.admin.site.CipAdminSite"

    def ready(self):
        # Import the admin package before autodiscover() first touches the lazy ``admin.site``. The site's
        # class lives in that package, so a first touch from outside would import the package (which
        # registers its model admins on ``admin.site``) while the lazy site is still being set up: the
        # registrations would land on a site instance that is then replaced, and the queue would vanish.
        import referrals.admin  # noqa: F401

        super().ready()
