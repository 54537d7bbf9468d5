"""Coordinator pages beside the admin's own: document download, FHIR export, dashboard.

Registered by ``CipAdminSite.get_urls`` under /admin/; the two-factor pages are in two_factor_views.py.
"""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from core.client_address import client_ip
from referrals import fhir, selectors
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
