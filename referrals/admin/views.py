"""Coordinator pages beside the admin's own: document download, FHIR export, dashboard, authenticator enrolment.

Registered by ``CipAdminSite.get_urls`` under /admin/.
"""

import base64

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.client_address import client_ip
from referrals import fhir, selectors
from referrals.admin.forms import TokenForm
from referrals.admin.two_factor import has_confirmed_device
from referrals.models import AccessLog, Attachment, Submission
from referrals.services import audit


def download_attachment(request, pk):
    """One submitted document, as a download. The admin site has already checked staff and two factors."""
    if not request.user.has_perm("referrals.download_attachment"):
        raise PermissionDenied
    attachment = get_object_or_404(Attachment.objects.select_related("submission"), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404 from error
    audit.record_access(
        user=request.user,
        action=AccessLog.Action.DOWNLOAD,
        submissions=[attachment.submission],
        object_repr=f"{attachment.submission.reference} document {attachment.pk}",
        client_ip=client_ip(request),
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def submission_fhir(request, pk):
    """One submission as a FHIR bundle, as a download. The URL carries the row's number only, never PHI."""
    if not request.user.has_perm("referrals.export_submission"):
        raise PermissionDenied
    submission = get_object_or_404(Submission.objects.prefetch_related("attachments"), pk=pk)
    bundle = fhir.submission_bundle(submission)
    audit.record_access(
        user=request.user, action=AccessLog.Action.FHIR, submissions=[submission], client_ip=client_ip(request)
    )
    return fhir.bundle_response(bundle, f"{submission.reference}.fhir.json")


def _chart(weekly):
    """Bar geometry for the SVG chart: attributes only, no inline style or script."""
    width, height, gap = 40, 120, 8
    top = max((count for _week, count in weekly), default=0) or 1
    bars = []
    for index, (week, count) in enumerate(weekly):
        bar_height = round(height * count / top)
        bars.append(
            {
                "x": index * (width + gap),
                "y": height - bar_height,
                "width": width,
                "height": bar_height,
                "label_x": index * (width + gap) + width // 2,
                "week": week,
                "count": count,
            }
        )
    return {"bars": bars, "width": len(weekly) * (width + gap), "height": height, "label_y": height + 16}


def dashboard(request):
    if not request.user.has_perm("referrals.view_dashboard"):
        raise PermissionDenied
    figures = selectors.dashboard_figures()
    context = {
        **admin_site_context(request),
        "title": _("Intake dashboard"),
        **figures,
        "chart": _chart(figures["weekly"]),
    }
    return TemplateResponse(request, "referrals/admin/dashboard.html", context)


def admin_site_context(request):
    from django.contrib import admin

    return admin.site.each_context(request)


def _qr_data_uri(text):
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode("ascii")


_ENROLMENT_SESSION_KEY = "cip_otp_enrolment_device"


def _enrolment_device(request):
    """The unconfirmed authenticator this browser session is setting up.

    Each session gets its own fresh secret: a secret shown to one session
    (someone else who knew the password, say) is never shown to, or confirmed
    by, another. Confirming one removes the user's other unconfirmed devices.
    """
    user = request.user
    device_id = request.session.get(_ENROLMENT_SESSION_KEY)
    device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first() if device_id else None
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
        request.session[_ENROLMENT_SESSION_KEY] = device.pk
    return device


@never_cache
@csrf_protect
def otp_enrol(request):
    """Set up an authenticator app: show a QR code, confirm with a code, and the session is verified.

    Open to a signed-in active staff member who has no confirmed device yet.
    Someone who already has one signs in with it instead (adding a device
    without the first would let a stolen password replace the second factor).
    """
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return redirect_to_login(request.get_full_path(), reverse("admin:login"), REDIRECT_FIELD_NAME)
    if has_confirmed_device(user):
        if user.is_verified():
            messages.info(request, _("Your authenticator is already set up."))
            return redirect("admin:index")
        return redirect_to_login(reverse("admin:index"), reverse("admin:login"), REDIRECT_FIELD_NAME)
    device = _enrolment_device(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _details = device.verify_is_allowed()
        if not allowed:
            form.add_error("token", _("Too many attempts. Wait a few seconds, then enter the newest code."))
        elif device.verify_token(form.cleaned_data["token"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            request.session.pop(_ENROLMENT_SESSION_KEY, None)
            otp_login(request, device)
            messages.success(request, _("Your authenticator is set up."))
            return redirect("admin:index")
        else:
            form.add_error("token", _("That code did not match. Check the time on your phone and try the next code."))
    context = {
        **admin_site_context(request),
        "title": _("Set up two-factor sign-in"),
        "form": form,
        "qr_data_uri": _qr_data_uri(device.config_url),
        "secret": base64.b32encode(device.bin_key).decode("ascii"),
    }
    return TemplateResponse(request, "referrals/admin/otp_enrol.html", context)
