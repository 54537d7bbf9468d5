"""
The three public intake forms. They validate; they never save (services do).

Each form is a ``ModelForm`` on ``Submission`` whose ``sections`` are the one
list of what it asks: its ``Meta.fields``, its page layout, the admin change
page's read-only fieldsets and the CSV columns all derive from them. Adding a
question means a model field and a name in one form's sections, nothing else.
A model field named in the sections but not declared on the form gets
Django's default form field (its label and help from the model).

base.py      Section, IntakeForm (token, honeypot, layout, the admin's fieldsets)
fields.py    files, dates, phones, and field builders with labels and help
referral.py  ReferralForm (physicians); family.py SecondOpinionForm and ExistingPatientForm
records.py   RecordsUploadForm: a records link's upload form (one file input per requested record)
status.py    StatusLookupForm: the status page's reference number and date of birth
"""

from referrals.forms.base import FORM_TOKEN_RE, HONEYPOT_FIELD, IntakeForm, Section, new_form_token, submission_fields
from referrals.forms.family import ExistingPatientForm, SecondOpinionForm
from referrals.forms.records import RecordsUploadForm
from referrals.forms.referral import ReferralForm
from referrals.forms.status import StatusLookupForm

# Which form makes which kind of submission: the views, the admin and the exports ask here.
INTAKE_FORMS = {form.kind: form for form in (ReferralForm, SecondOpinionForm, ExistingPatientForm)}

__all__ = [
    "FORM_TOKEN_RE",
    "HONEYPOT_FIELD",
    "INTAKE_FORMS",
    "ExistingPatientForm",
    "IntakeForm",
    "RecordsUploadForm",
    "ReferralForm",
    "SecondOpinionForm",
    "Section",
    "StatusLookupForm",
    "new_form_token",
    "submission_fields",
]
