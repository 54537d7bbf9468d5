"""Forms for the coordinators' admin: sign-in with a TOTP code, the workflow panel, and the action pages.

They validate only; what they ask for is done by ``referrals.services``.
"""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from referrals.admin.two_factor import has_confirmed_device, match_code
from referrals.forms.fields import MultipleFileField
from referrals.models import RecordItem, RecordsRequest, Submission
from referrals.services import records, workflow


def coordinators():
    """Who can be assigned: active members of the Coordinators group."""
    return Submission.assignable_users()


class StaffLoginForm(AdminAuthenticationForm):
    """Password, then a code for anyone who has confirmed an authenticator: the app's 6 digits or a backup code.

    A staff member without a confirmed device signs in with the password only and
    is sent to the enrolment page; the admin stays closed until they confirm one
    (when ``OTP_REQUIRED``). A wrong code counts as a failed login for django-axes.
    A backup code is used up as it is accepted (see ``two_factor.match_code``).
    """

    otp_token = forms.CharField(
        label=_("Authentication code"),
        required=False,
        max_length=20,
        help_text=_(
            "The 6-digit code from your authenticator app, or one of your backup codes if you do not have your "
            "phone. Leave empty if you have not set up an authenticator yet."
        ),
        # No inputmode="numeric": backup codes have letters, and a phone's number pad could not type them.
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is None:
            return cleaned
        if not has_confirmed_device(user):
            return cleaned
        device, throttled = match_code(user, cleaned.get("otp_token"))
        if device is None:
            user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=self.request)
            self.user_cache = None
            if throttled:
                raise ValidationError(
                    _("Too many wrong codes. Wait a few seconds, then try again."), code="throttled_token"
                )
            raise ValidationError(
                _("Enter the current 6-digit code from your authenticator app, or one of your backup codes."),
                code="invalid_token",
            )
        # django_otp's user_logged_in handler marks the session verified with this device.
        user.otp_device = device
        return cleaned


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("6-digit code"),
        regex=r"^\s*[0-9]{6}\s*$",
        error_messages={"invalid": _("Enter the 6 digits shown in your authenticator app.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def require_for_status(form, status, **field_names):
    """Point at the field a status move still needs (declining: a reason; accepting: the consult date).

    ``services.transition`` enforces the same rule; checking it in the form as
    well puts the message next to the field instead of in a refusal banner.
    ``field_names`` maps ``decline_reason`` and ``consult_date`` to the form's own field names.
    """
    needs = {
        Submission.Status.DECLINED: ("decline_reason", _("Choose why it is declined.")),
        Submission.Status.ACCEPTED: ("consult_date", _("Give the consult date.")),
    }
    if status not in needs:
        return
    requirement, message = needs[status]
    field = field_names[requirement]
    if not form.cleaned_data.get(field):
        form.add_error(field, ValidationError(message, code="required"))


class StatusForm(forms.Form):
    """A status change: the new status, and what that status needs."""

    status = forms.ChoiceField(label=_("New status"), choices=Submission.Status.choices)
    decline_reason = forms.ChoiceField(
        label=_("Decline reason"),
        choices=[("", "---------"), *Submission.DeclineReason.choices],
        required=False,
        help_text=_("Required when declining."),
    )
    consult_date = forms.DateField(
        label=_("Consult date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Required when accepting."),
    )
    note = forms.CharField(label=_("Note for the history"), required=False, max_length=4000, widget=forms.Textarea)

    def clean(self):
        cleaned = super().clean()
        require_for_status(self, cleaned.get("status"), decline_reason="decline_reason", consult_date="consult_date")
        return cleaned


class AssignForm(forms.Form):
    coordinator = forms.ModelChoiceField(label=_("Coordinator"), queryset=coordinators())


_RECORD_PREFIX = "record_"


class SubmissionWorkflowForm(forms.ModelForm):
    """The change page's workflow panel. No model field is edited directly: the admin calls the services."""

    # Not named like the admin's actions (assign_to_me, mark_contacted): in view-only mode the admin would call
    # the action method of that name to display the field.
    assign_me = forms.BooleanField(label=_("Assign to me"), required=False)
    # show_hidden_initial: a field counts as changed only if the coordinator changed it on the page, so saving
    # a page opened before a colleague's change does not undo that change.
    assign_to = forms.ModelChoiceField(
        label=_("Assigned coordinator"),
        queryset=coordinators(),
        required=False,
        empty_label=_("(unassigned)"),
        show_hidden_initial=True,
    )
    contacted_now = forms.BooleanField(
        label=_("Family contacted now"),
        required=False,
        help_text=_("The first contact sets the first-contact time; later ones are kept in the history."),
    )
    send_notices = forms.BooleanField(
        label=_("Email status notices"),
        required=False,
        show_hidden_initial=True,
        help_text=_(
            "When the stage changes, email the sender (for a referral, the referring clinician) the reference, "
            "the new stage and the status page link. Untick if they asked for phone calls only."
        ),
    )
    new_status = forms.ChoiceField(label=_("Change status to"), required=False)
    set_decline_reason = forms.ChoiceField(
        label=_("Decline reason"),
        choices=[("", "---------"), *Submission.DeclineReason.choices],
        required=False,
        help_text=_("Required when declining."),
    )
    set_consult_date = forms.DateField(
        label=_("Consult date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Required when accepting."),
    )
    status_note = forms.CharField(
        label=_("Note for the history"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    new_note = forms.CharField(
        label=_("Add an internal note"), required=False, max_length=8000, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Records: ask for them with a secure upload link, revoke a link, or add what came by fax or email.
    request_items = forms.MultipleChoiceField(
        label=_("Ask for these records"),
        choices=RecordItem.Item.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Emails a secure upload link and moves the submission to “Awaiting records”."),
    )
    request_to = forms.ChoiceField(label=_("Send the link to"), required=False)
    request_phrasing = forms.ChoiceField(
        label=_("Message with the request"), choices=RecordsRequest.Phrasing.choices, required=False
    )
    revoke_links = forms.ModelMultipleChoiceField(
        label=_("Revoke records links"),
        queryset=RecordsRequest.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    attach_files = MultipleFileField(
        label=_("Add documents that came by fax or email"),
        required=False,
        help_text=_("PDF, PNG or JPEG, checked like the public forms' uploads."),
    )
    attach_as = forms.ChoiceField(
        label=_("They are the"),
        choices=[("", _("(not a checklist record)")), *RecordItem.Item.choices],
        required=False,
        help_text=_("Ticks this line of the records checklist as received."),
    )

    class Meta:
        model = Submission
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        self.fields["assign_to"].initial = instance.assigned_to_id
        self.fields["send_notices"].initial = instance.status_notices if instance.pk else True
        allowed = instance.allowed_transitions() if instance.pk else set()
        self.fields["new_status"].choices = [("", _("(no change)"))] + [
            (value, label) for value, label in Submission.Status.choices if value in allowed
        ]
        if instance.pk:
            self.fields["request_to"].choices = [
                (audience, f"{RecordsRequest.Audience(audience).label} ({_mask(email)})")
                for audience, email in instance.records_recipients().items()
            ]
            self.fields["revoke_links"].queryset = instance.records_requests.filter(
                revoked_at__isnull=True, fulfilled_at__isnull=True
            )
            self.fields["revoke_links"].label_from_instance = _link_label
        states = instance.record_states() if instance.pk else {}
        for item in RecordItem.Item.values:
            if _RECORD_PREFIX + item in self.fields:
                self.fields[_RECORD_PREFIX + item].initial = states.get(item, RecordItem.State.MISSING)

    @classmethod
    def record_field_names(cls):
        return [_RECORD_PREFIX + item for item in RecordItem.Item.values]

    def record_changes(self):
        """``[(item, new state)]`` for the checklist lines the coordinator changed."""
        return [
            (name.removeprefix(_RECORD_PREFIX), self.cleaned_data[name])
            for name in self.record_field_names()
            if name in self.changed_data
        ]

    def clean(self):
        cleaned = super().clean()
        require_for_status(
            self, cleaned.get("new_status"), decline_reason="set_decline_reason", consult_date="set_consult_date"
        )
        if cleaned.get("request_items") and not cleaned.get("request_to"):
            self.add_error("request_to", _("Choose who gets the upload link."))
        return cleaned

    def workflow_steps(self, *, submission, by, client_ip=None):
        """The service calls this valid form asks for, in order, each ready to run (and to be refused alone)."""
        data = self.cleaned_data
        steps = []
        if data.get("assign_me"):
            steps.append(lambda: workflow.assign(submission=submission, to=by, by=by, client_ip=client_ip))
        elif "assign_to" in self.changed_data:
            steps.append(
                lambda: workflow.assign(submission=submission, to=data.get("assign_to"), by=by, client_ip=client_ip)
            )
        if data.get("contacted_now"):
            steps.append(lambda: workflow.mark_contacted(submission=submission, by=by, client_ip=client_ip))
        for item, state in self.record_changes():
            steps.append(
                lambda item=item, state=state: workflow.set_record_item(
                    submission=submission, item=item, state=state, by=by, client_ip=client_ip
                )
            )
        if "send_notices" in self.changed_data:  # before a status change, so "off" already holds for it
            steps.append(
                lambda: workflow.set_status_notices(
                    submission=submission, enabled=data.get("send_notices"), by=by, client_ip=client_ip
                )
            )
        if data.get("new_status"):
            steps.append(
                lambda: workflow.transition(
                    submission=submission,
                    to_status=data["new_status"],
                    by=by,
                    note=data.get("status_note", ""),
                    decline_reason=data.get("set_decline_reason", ""),
                    consult_date=data.get("set_consult_date"),
                    client_ip=client_ip,
                )
            )
        if data.get("attach_files"):
            steps.append(
                lambda: records.attach_documents(
                    submission=submission,
                    files=data["attach_files"],
                    record_item=data.get("attach_as", ""),
                    by=by,
                    client_ip=client_ip,
                )
            )
        for link in data.get("revoke_links") or []:
            steps.append(lambda link=link: records.revoke_link(records_request=link, by=by, client_ip=client_ip))
        if data.get("request_items"):
            steps.append(
                lambda: records.request_records(
                    submission=submission,
                    items=data["request_items"],
                    audience=data["request_to"],
                    phrasing=data.get("request_phrasing", ""),
                    by=by,
                    client_ip=client_ip,
                )
            )
        if data.get("new_note", "").strip():
            steps.append(
                lambda: workflow.add_note(submission=submission, body=data["new_note"], by=by, client_ip=client_ip)
            )
        return steps


def _mask(email):
    """d***@example.org: enough to tell two addresses apart on screen."""
    local, _sep, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _link_label(link):
    return _("Sent %(date)s for %(items)s (until %(expires)s)") % {
        "date": link.created_at.date().isoformat(),
        "items": ", ".join(link.item_labels),
        "expires": link.expires_at.date().isoformat(),
    }


# One choice per checklist line, declared on the class so the admin's fieldsets can name them.
for _item, _label in RecordItem.Item.choices:
    _field = forms.ChoiceField(
        label=_label, choices=RecordItem.State.choices, initial=RecordItem.State.MISSING, show_hidden_initial=True
    )
    SubmissionWorkflowForm.base_fields[_RECORD_PREFIX + _item] = _field
    SubmissionWorkflowForm.declared_fields[_RECORD_PREFIX + _item] = _field
