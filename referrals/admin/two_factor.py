"""The two-factor rules the admin's sign-in, site and enrolment page share."""

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice


def confirmed_devices(user):
    """The user's confirmed authenticator apps (TOTP devices)."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True)


def has_confirmed_device(user):
    return confirmed_devices(user).exists()


def is_verified(user):
    """django_otp's ``is_verified()``; right after sign-in (before OTPMiddleware ran again) the device tells."""
    check = getattr(user, "is_verified", None)
    if callable(check):
        return check()
    return getattr(user, "otp_device", None) is not None


def needs_enrolment(request):
    """A signed-in staff member who must still confirm an authenticator before using the admin."""
    user = request.user
    if not (settings.OTP_REQUIRED and user.is_active and user.is_staff):
        return False
    if is_verified(user):
        return False
    return not has_confirmed_device(user)
