"""The admin site coordinators use: two factors when ``OTP_REQUIRED``, the two-factor pages (enrolment, a new
authenticator app, backup codes), the dashboard, downloads and the FHIR export.

Installed as Django's default admin site by ``referrals.apps.CipAdminConfig``, so
``admin.site`` and ``@admin.register`` everywhere use it.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from referrals.admin import two_factor_views
from referrals.admin.forms import StaffLoginForm
from referrals.admin.two_factor import is_verified, needs_enrolment


class CipAdminSite(admin.AdminSite):
    site_header = _("Cancer Immunotherapy Program: coordinators")
    site_title = _("CIP coordinators")
    index_title = _("Intake queue")
    login_form = StaffLoginForm
    login_template = "referrals/admin/login.html"
    enable_nav_sidebar = False  # the queue needs the width

    def has_permission(self, request):
        """Active staff, and verified (authenticator app or backup code) whenever ``settings.OTP_REQUIRED``."""
        if not super().has_permission(request):
            return False
        return not settings.OTP_REQUIRED or is_verified(request.user)

    def login(self, request, extra_context=None):
        if request.user.is_authenticated and needs_enrolment(request):
            return redirect("admin:otp_enrol")
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            # Signed in without a page to go back to: the queue, which is what coordinators came for.
            extra_context = {
                **(extra_context or {}),
                REDIRECT_FIELD_NAME: reverse("admin:referrals_submission_changelist"),
            }
        response = super().login(request, extra_context)
        if request.method == "POST" and response.status_code == 302:  # signed in
            if needs_enrolment(request):
                return redirect("admin:otp_enrol")
            two_factor_views.after_sign_in(request)
        return response

    def get_urls(self):
        from referrals.admin import views as admin_views

        custom = [
            path("dashboard/", self.admin_view(admin_views.dashboard), name="dashboard"),
            path(
                "documents/<int:pk>/download/",
                self.admin_view(admin_views.download_attachment),
                name="referrals_attachment_download",
            ),
            path(
                "referrals/submission/<int:pk>/fhir/",
                self.admin_view(admin_views.submission_fhir),
                name="referrals_submission_fhir",
            ),
            # Reached before the session is verified, so not wrapped in admin_view:
            # the view checks for a signed-in staff member itself.
            path("two-factor/enrol/", two_factor_views.otp_enrol, name="otp_enrol"),
            # The rest need a verified session: how someone who signed in with a backup code replaces a lost phone.
            path("two-factor/", self.admin_view(two_factor_views.overview), name="two_factor"),
            path(
                "two-factor/authenticator/start/",
                self.admin_view(two_factor_views.start_new_authenticator),
                name="two_factor_start_authenticator",
            ),
            path(
                "two-factor/authenticator/new/",
                self.admin_view(two_factor_views.new_authenticator),
                name="two_factor_new_authenticator",
            ),
            path(
                "two-factor/backup-codes/make/",
                self.admin_view(two_factor_views.new_backup_codes),
                name="two_factor_make_backup_codes",
            ),
            path(
                "two-factor/backup-codes/",
                self.admin_view(two_factor_views.backup_codes),
                name="two_factor_backup_codes",
            ),
        ]
        return custom + super().get_urls()
