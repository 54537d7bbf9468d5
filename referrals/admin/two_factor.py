"""The two-factor rules the admin's sign-in, site and two-factor pages share, and their writes.

Two kinds of device per staff member: an authenticator app (a TOTP device, the
everyday 6-digit code) and backup codes (one django-otp static device whose
tokens each sign in once, for the day the phone is lost). The writes live here,
beside the rules, rather than in ``referrals.services``: they touch only
django-otp's tables and the access log, and only the admin uses them.
"""

import logging
import re

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from referrals.models import AccessLog
from referrals.services import audit

logger = logging.getLogger("referrals.two_factor")

BACKUP_CODE_COUNT = 10
BACKUP_DEVICE_NAME = "Backup codes"
AUDIT_OBJECT = "two-factor"  # the access log's "object" for these rows: never a code
_AUTHENTICATOR_CODE = re.compile(r"[0-9]{6}")
_MISREAD = str.maketrans("01", "ol")


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


def backup_codes_left(user):
    return StaticToken.objects.filter(device__user=user).count()


def signed_in_with_backup_code(user):
    return isinstance(getattr(user, "otp_device", None), StaticDevice)


def normalise_code(text):
    """What was typed in the code field, without spaces or hyphens, in lower case.

    Backup codes are base32 (a-z, 2-7): a 0 or 1 typed in one can only be a misread o or l.
    """
    code = re.sub(r"[\s-]", "", text or "").lower()
    if _AUTHENTICATOR_CODE.fullmatch(code):
        return code
    return code.translate(_MISREAD)


def match_code(user, text):
    """The confirmed device that accepts the code typed, as ``(device, throttled)``.

    Six digits are tried on the authenticator apps only and anything else on
    the backup codes only, so a mistyped code never adds to the other kind's
    throttle. The devices are locked while they are tried: two sign-ins racing
    with one backup code cannot both use it (django-otp deletes a backup code
    as it accepts it). ``throttled`` says a device refused to check at all
    because of recent failures (django-otp's exponential back-off).
    """
    code = normalise_code(text)
    if not code:
        return None, False
    model = TOTPDevice if _AUTHENTICATOR_CODE.fullmatch(code) else StaticDevice
    throttled = False
    with transaction.atomic():
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            allowed, _details = device.verify_is_allowed()
            if not allowed:
                throttled = True
            elif device.verify_token(code):
                return device, False
    return None, throttled


@transaction.atomic
def make_backup_codes(*, user, client_ip=None):
    """Replace all of the user's backup codes with ``BACKUP_CODE_COUNT`` new ones; return the new tokens.

    The user's static device is kept (a session verified with it stays
    verified); only its tokens are replaced.
    """
    devices = list(StaticDevice.objects.select_for_update().filter(user=user).order_by("pk"))
    StaticToken.objects.filter(device__user=user).delete()
    if devices:
        device = devices[0]
        device.throttle_reset()
    else:
        device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME)
    codes = set()
    while len(codes) < BACKUP_CODE_COUNT:  # ten distinct codes: a duplicate would sign in twice
        codes.add(StaticToken.random_token())
    tokens = StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in sorted(codes)])
    audit.record_access(
        user=user, action=AccessLog.Action.BACKUP_CODES_MADE, object_repr=AUDIT_OBJECT, client_ip=client_ip
    )
    logger.info("backup codes made user=%s count=%d", user.get_username(), len(tokens))
    return tokens


def record_backup_code_use(*, user, client_ip=None):
    """The access log row and log line for a sign-in with a backup code (never the code); returns the codes left."""
    left = backup_codes_left(user)
    audit.record_access(user=user, action=AccessLog.Action.BACKUP_CODE, object_repr=AUDIT_OBJECT, client_ip=client_ip)
    logger.info("signed in with a backup code user=%s left=%d", user.get_username(), left)
    return left


@transaction.atomic
def confirm_authenticator(*, user, device, client_ip=None):
    """Confirm ``device`` (its code already checked) and delete the user's other authenticator apps.

    The old app stops working only here, once the new one has proved itself.
    Returns True when an old confirmed app was replaced (and logged as such),
    False for a first enrolment.
    """
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    others = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk)
    replaced = others.filter(confirmed=True).exists()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    others.delete()
    if replaced:
        audit.record_access(
            user=user, action=AccessLog.Action.AUTHENTICATOR_REPLACED, object_repr=AUDIT_OBJECT, client_ip=client_ip
        )
        logger.info("authenticator replaced user=%s", user.get_username())
    return replaced
