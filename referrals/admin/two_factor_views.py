"""The two-factor pages: enrolment, the "Two-factor sign-in" page, a new authenticator app, new backup codes.

Registered by ``CipAdminSite.get_urls`` under /admin/two-factor/. Enrolment is
reached before the session is verified and checks the user itself; the other
pages go through ``admin_view`` (staff, and a verified session when
``OTP_REQUIRED``), which also makes them ``never_cache`` and CSRF-protected.

Backup codes are shown once: the session holds only the new tokens' ids
(never the codes), and the page that shows them pops the ids as it does.
"""

import base64

import qrcode
import qrcode.image.svg
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.client_address import client_ip
from referrals.admin import two_factor
from referrals.admin.forms import TokenForm

_PENDING_DEVICE_SESSION_KEY = "cip_otp_enrolment_device"
_NEW_CODES_SESSION_KEY = "cip_otp_new_backup_codes"


def _qr_data_uri(text):
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode("ascii")


def _pending_device(request, *, create):
    """The unconfirmed authenticator this browser session is setting up (a first one, or a replacement).

    Each session gets its own fresh secret: a secret shown to one session
    (someone else who knew the password, say) is never shown to, or confirmed
    by, another. Confirming one removes the user's other authenticators.
    """
    user = request.user
    device_id = request.session.get(_PENDING_DEVICE_SESSION_KEY)
    device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first() if device_id else None
    if device is None and create:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
        request.session[_PENDING_DEVICE_SESSION_KEY] = device.pk
    return device


def _code_confirms(form, device):
    """True when the form's code comes from ``device``; otherwise the reason goes on the form's field."""
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        form.add_error("token", _("Too many attempts. Wait a few seconds, then enter the newest code."))
        return False
    if not device.verify_token(form.cleaned_data["token"].strip()):
        form.add_error("token", _("That code did not match. Check the time on your phone and try the next code."))
        return False
    return True


def _setup_context(request, device, form, title):
    return {
        **admin.site.each_context(request),
        "title": title,
        "form": form,
        "qr_data_uri": _qr_data_uri(device.config_url),
        "secret": base64.b32encode(device.bin_key).decode("ascii"),
    }


def _confirmed(request, device):
    """After a confirmed code: the device replaces any other, and this session is verified with it."""
    replaced = two_factor.confirm_authenticator(user=request.user, device=device, client_ip=client_ip(request))
    request.session.pop(_PENDING_DEVICE_SESSION_KEY, None)
    # The session may have been verified with the app just deleted: verify it with the new one.
    otp_login(request, device)
    return replaced


def _show_new_codes(request, tokens):
    request.session[_NEW_CODES_SESSION_KEY] = [token.pk for token in tokens]
    return redirect("admin:two_factor_backup_codes")


@never_cache
@csrf_protect
def otp_enrol(request):
    """Set up an authenticator app: show a QR code, confirm with a code, and the session is verified.

    Open to a signed-in active staff member who has no confirmed device yet.
    Someone who already has one signs in with it instead (adding a device
    without the first would let a stolen password replace the second factor).
    Confirming makes the first backup codes, shown once on the next page.
    """
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return redirect_to_login(request.get_full_path(), reverse("admin:login"), REDIRECT_FIELD_NAME)
    if two_factor.has_confirmed_device(user):
        if user.is_verified():
            messages.info(request, _("Your authenticator is already set up."))
            return redirect("admin:index")
        return redirect_to_login(reverse("admin:index"), reverse("admin:login"), REDIRECT_FIELD_NAME)
    device = _pending_device(request, create=True)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _code_confirms(form, device):
        _confirmed(request, device)
        tokens = two_factor.make_backup_codes(user=user, client_ip=client_ip(request))
        messages.success(request, _("Your authenticator is set up."))
        return _show_new_codes(request, tokens)
    context = _setup_context(request, device, form, _("Set up two-factor sign-in"))
    return TemplateResponse(request, "referrals/admin/otp_enrol.html", context)


def overview(request):
    """The "Two-factor sign-in" page: replace the authenticator app, make new backup codes."""
    context = {
        **admin.site.each_context(request),
        "title": _("Two-factor sign-in"),
        "has_authenticator": two_factor.has_confirmed_device(request.user),
        "replacement_pending": _pending_device(request, create=False) is not None,
        "backup_codes_left": two_factor.backup_codes_left(request.user),
    }
    return TemplateResponse(request, "referrals/admin/two_factor.html", context)


@require_POST
def start_new_authenticator(request):
    """Start setting up a new authenticator app; the current one keeps working until the new one is confirmed."""
    _pending_device(request, create=True)
    return redirect("admin:two_factor_new_authenticator")


def new_authenticator(request):
    """The new app's QR code, and its first code to confirm it. Confirming deletes the old app."""
    device = _pending_device(request, create=False)
    if device is None:
        return redirect("admin:two_factor")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _code_confirms(form, device):
        if _confirmed(request, device):
            messages.success(request, _("Your new authenticator app is set up. The old one no longer works."))
        else:
            messages.success(request, _("Your authenticator is set up."))
        return redirect("admin:two_factor")
    context = _setup_context(request, device, form, _("Set up a new authenticator app"))
    return TemplateResponse(request, "referrals/admin/two_factor_authenticator.html", context)


@require_POST
def new_backup_codes(request):
    """New backup codes: every earlier one stops working. They are shown once, on the next page."""
    tokens = two_factor.make_backup_codes(user=request.user, client_ip=client_ip(request))
    return _show_new_codes(request, tokens)


def backup_codes(request):
    """The backup codes just made, once: the ids leave the session as the page is shown.

    Coming back (reload, the back button) finds nothing to show and goes to the
    two-factor page; ``admin_view``'s ``never_cache`` keeps the page itself out of every cache.
    """
    token_ids = request.session.pop(_NEW_CODES_SESSION_KEY, None)
    codes = []
    if token_ids:
        tokens = StaticToken.objects.filter(pk__in=token_ids, device__user=request.user).order_by("pk")
        codes = list(tokens.values_list("token", flat=True))
    if not codes:
        messages.info(request, _("Backup codes are shown only once, when they are made. Make new ones if you need to."))
        return redirect("admin:two_factor")
    context = {**admin.site.each_context(request), "title": _("Your backup codes"), "codes": codes}
    return TemplateResponse(request, "referrals/admin/backup_codes.html", context)


def after_sign_in(request):
    """Called by the admin's login view after a successful sign-in: the access log and a word about backup codes.

    A backup code: an access log row and a log line (never the code), and how
    many are left. An authenticator app but no backup codes (staff enrolled
    before backup codes existed): a reminder to make some.
    """
    user = request.user
    page = reverse("admin:two_factor")
    if two_factor.signed_in_with_backup_code(user):
        left = two_factor.record_backup_code_use(user=user, client_ip=client_ip(request))
        if left:
            text = ngettext(
                "You signed in with a backup code, which will not work again. You have %(count)d backup code left.",
                "You signed in with a backup code, which will not work again. You have %(count)d backup codes left.",
                left,
            ) % {"count": left}
        else:
            text = _("You signed in with your last backup code. Make new ones now.")
        link = _("Replace your authenticator app or make new backup codes")
        messages.warning(request, format_html('{} <a href="{}">{}</a>', text, page, link))
    elif two_factor.is_verified(user) and not two_factor.backup_codes_left(user):
        text = _("You have no backup codes. Without them, losing your phone locks you out of the admin.")
        messages.warning(request, format_html('{} <a href="{}">{}</a>', text, page, _("Make backup codes")))
