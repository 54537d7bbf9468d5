"""The queue's computed columns and the change page's computed fields (``@admin.display``)."""

import re

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from referrals import selectors
from referrals.models import RecordItem, Submission


def _mask_email(email):
    if not email:
        return ""
    local, _sep, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def _mask_phone(phone):
    digits = "".join(ch for ch in str(phone or "") if ch.isdigit())
    return f"•••{digits[-4:]}" if digits else ""


class SubmissionColumnsMixin:
    """Columns that fit the queue on one screen, with no PHI beyond what triage needs (contact details masked)."""

    # Short labels so the queue fits on one screen; the change page shows the full ones.
    KIND_SHORT = {
        Submission.Kind.REFERRAL: _("Referral"),
        Submission.Kind.SECOND_OPINION: _("Second opinion"),
        Submission.Kind.EXISTING_PATIENT: _("Existing patient"),
    }

    @admin.display(description=_("kind"), ordering="kind")
    def kind_short(self, obj):
        return self.KIND_SHORT.get(obj.kind, obj.get_kind_display())

    @admin.display(description=_("urgency"), ordering="urgency")
    def urgency_badge(self, obj):
        if obj.urgency == Submission.Urgency.URGENT:
            return format_html('<span class="cip-badge cip-badge-urgent">{}</span>', obj.get_urgency_display())
        return obj.get_urgency_display()

    @admin.display(description=_("age"))
    def patient_age_display(self, obj):
        return obj.patient_age()

    @admin.display(description=_("diagnosis"), ordering="diagnosis")
    def diagnosis_short(self, obj):
        # "B-cell acute lymphoblastic leukemia (B-ALL)" -> "B-ALL", so the queue fits on a screen.
        label = obj.get_diagnosis_display()
        match = re.search(r"\(([^)]+)\)\s*$", label)
        return match.group(1) if match else label or "—"

    @admin.display(description=_("received"), ordering="received_at")
    def received_display(self, obj):
        return date_format(timezone.localtime(obj.received_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("business days waiting"), ordering="received_at")
    def waiting(self, obj):
        days = obj.business_days_waiting()
        clock, state, due = obj.next_clock()
        labels = {
            "overdue": gettext("Overdue"),
            "due_today": gettext("Due today"),
            "due": gettext("Due %(date)s") % {"date": date_format(due, "D j M")} if due else "",
        }
        clocks = {
            "first_contact": gettext("first contact"),
            "records_follow_up": gettext("records follow-up"),
            "decision": gettext("decision"),
        }
        if not state:
            return days
        return format_html(
            '{} <span class="cip-badge cip-badge-{}">{}</span> <span class="cip-clock">{}</span>',
            days,
            state,
            labels[state],
            clocks[clock],
        )

    @admin.display(description=_("assigned"), ordering="assigned_to__username")
    def assigned_display(self, obj):
        return obj.assigned_to.get_username() if obj.assigned_to_id else "—"

    @admin.display(description=_("contact"))
    def contact_masked(self, obj):
        return " ".join(part for part in (_mask_phone(obj.contact_phone), _mask_email(obj.contact_email)) if part)

    @admin.display(description=_("duplicate?"), ordering="-is_likely_duplicate")
    def duplicate_flag(self, obj):
        if not obj.is_likely_duplicate:
            return ""
        return format_html('<span class="cip-badge cip-badge-duplicate">{}</span>', gettext("Likely duplicate"))

    @admin.display(description=_("likely duplicates"))
    def likely_duplicates(self, obj):
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:referrals_submission_change", args=[other.pk]), other.reference)
                for other in selectors.likely_duplicates(obj)
            ),
        )
        return links or "—"

    @admin.display(description=_("first contact due"))
    def first_contact_due_display(self, obj):
        return obj.first_contact_due()

    @admin.display(description=_("records follow-up due"))
    def records_follow_up_due_display(self, obj):
        return obj.records_follow_up_due() or "—"

    @admin.display(description=_("decision due"))
    def review_due_display(self, obj):
        return obj.review_due() or "—"

    @admin.display(description=_("records complete"), boolean=True)
    def records_complete_display(self, obj):
        return obj.records_complete

    @admin.display(description=_("records"))
    def records_display(self, obj):
        states = obj.record_states()
        return format_html_join(
            ", ", "{}: {}", ((label, RecordItem.State(states[item]).label) for item, label in RecordItem.Item.choices)
        )
