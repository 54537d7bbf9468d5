"""The queue's actions on selected submissions: the same services as the change page, row by row, with a summary.

Plain functions (Django's admin passes the ModelAdmin as ``modeladmin``), so no
ModelAdmin method shares a name with a form field.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Max
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.client_address import client_ip
from referrals import exports, fhir
from referrals.admin.forms import AssignForm, StatusForm
from referrals.models import AccessLog, Submission
from referrals.services import audit, workflow


def _each(modeladmin, request, queryset, step):
    done, refused = 0, []
    for submission in queryset:
        try:
            step(submission)
        except workflow.WorkflowError as error:
            refused.append(str(error))
        else:
            done += 1
    summary = ngettext("%(count)d changed", "%(count)d changed", done) % {"count": done}
    if refused:
        modeladmin.message_user(request, "; ".join([summary, *refused]), messages.WARNING)
    else:
        modeladmin.message_user(request, summary, messages.SUCCESS)


def _intermediate(modeladmin, request, queryset, form, action, title):
    """The page an action shows first to ask for what it needs (a coordinator, a status)."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "action": action,
        "submissions": queryset,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
        "media": modeladmin.media + form.media,
    }
    return TemplateResponse(request, "referrals/admin/action_form.html", context)


@admin.action(description=_("Assign to me"), permissions=["change"])
def assign_to_me(modeladmin, request, queryset):
    _each(
        modeladmin,
        request,
        queryset,
        lambda s: workflow.assign(submission=s, to=request.user, by=request.user, client_ip=client_ip(request)),
    )


@admin.action(description=_("Mark contacted"), permissions=["change"])
def mark_contacted(modeladmin, request, queryset):
    _each(
        modeladmin,
        request,
        queryset,
        lambda s: workflow.mark_contacted(submission=s, by=request.user, client_ip=client_ip(request)),
    )


@admin.action(description=_("Assign to a coordinator…"), permissions=["change"])
def assign_to_coordinator(modeladmin, request, queryset):
    form = AssignForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        to = form.cleaned_data["coordinator"]
        _each(
            modeladmin,
            request,
            queryset,
            lambda s: workflow.assign(submission=s, to=to, by=request.user, client_ip=client_ip(request)),
        )
        return None
    title = gettext("Assign to a coordinator")
    return _intermediate(modeladmin, request, queryset, form, "assign_to_coordinator", title)


@admin.action(description=_("Change status…"), permissions=["change"])
def change_status(modeladmin, request, queryset):
    form = StatusForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        _each(
            modeladmin,
            request,
            queryset,
            lambda s: workflow.transition(
                submission=s,
                to_status=data["status"],
                by=request.user,
                note=data["note"],
                decline_reason=data["decline_reason"],
                consult_date=data["consult_date"],
                client_ip=client_ip(request),
            ),
        )
        return None
    return _intermediate(modeladmin, request, queryset, form, "change_status", gettext("Change status"))


@admin.action(description=_("Export selected as CSV"), permissions=["export"])
def export_csv(modeladmin, request, queryset):
    """Streamed: the rows are read while the file is sent. The access log gets one row per submission first."""
    submissions = Submission.objects.filter(pk__in=queryset.values("pk"))
    audit.record_access(
        user=request.user, action=AccessLog.Action.EXPORT, submissions=submissions, client_ip=client_ip(request)
    )
    return exports.csv_response(submissions)


@admin.action(description=_("Export selected as FHIR bundle"), permissions=["export"])
def export_fhir(modeladmin, request, queryset):
    """One submission: its Bundle. Several: a collection Bundle of their Bundles. One access-log row each."""
    submissions = list(
        Submission.objects.filter(pk__in=queryset.values("pk"))
        .annotate(last_history_at=Max("history__changed_at"))
        .prefetch_related("attachments")
        .order_by("received_at", "pk")
    )
    if len(submissions) == 1:
        bundle, filename = fhir.submission_bundle(submissions[0]), f"{submissions[0].reference}.fhir.json"
    else:
        bundle = fhir.submissions_bundle(submissions)
        filename = f"submissions-{timezone.localtime().strftime('%Y%m%d-%H%M')}.fhir.json"
    audit.record_access(
        user=request.user, action=AccessLog.Action.FHIR, submissions=submissions, client_ip=client_ip(request)
    )
    return fhir.bundle_response(bundle, filename)
