from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ReferralsConfig(AppConfig):
    default = True
    default_auto_field = "django.db.models.BigAutoField"
    name = "referrals"


class CipAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with our two-factor site as ``admin.site`` (listed in INSTALLED_APPS instead of the admin)."""

    default = False
    default_site = "referrals.admin_site.CipAdminSite"
