"""Spanish: the forms, their confirmation and emails are fully translated; the catalogue is complete."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.html import escape

from referrals.forms import ExistingPatientForm, ReferralForm, SecondOpinionForm
from referrals.models import Submission

from .factories import existing_patient_data, referral_data, second_opinion_data, spanish_url

FORMS = [ReferralForm, SecondOpinionForm, ExistingPatientForm]
# Words that read the same in both languages.
SAME_IN_BOTH = {"Fax", "NPI", "SHA-256", "PCR"}  # PCR: the same abbreviation in Spanish


def texts(form_class):
    form = form_class()
    out = {}
    for name, field in form.fields.items():
        if name == "form_token":
            continue
        out[f"{name}.label"] = str(field.label)
        if field.help_text:
            out[f"{name}.help"] = str(field.help_text)
        for value, label in getattr(field, "choices", []):
            out[f"{name}.choice.{value}"] = str(label)
    return out


@pytest.mark.parametrize("form_class", FORMS)
def test_every_label_help_and_choice_differs_in_spanish(form_class):
    with translation.override("en"):
        english = texts(form_class)
    with translation.override("es"):
        spanish = texts(form_class)
    untranslated = [key for key, text in english.items() if spanish[key] == text and text not in SAME_IN_BOTH]
    assert untranslated == []


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["refer", "second_opinion", "existing_patient"])
def test_spanish_page_renders_with_no_english_labels_or_help(client, url_name):
    form_class = {"refer": ReferralForm, "second_opinion": SecondOpinionForm, "existing_patient": ExistingPatientForm}[
        url_name
    ]
    response = client.get(spanish_url(f"referrals:{url_name}"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="es">' in html
    with translation.override("en"):
        english = texts(form_class)
    for text in english.values():
        if text not in SAME_IN_BOTH:
            # Whole words only: "Urgent" must not match inside "Urgente".
            assert not re.search(rf"(?<!\w){re.escape(escape(text))}(?!\w)", html), text
    assert "Enviar" in html


@pytest.mark.django_db
def test_spanish_errors_are_spanish(client):
    response = client.post(spanish_url("referrals:refer"), referral_data(referrer_npi="1234567890", patient_name=""))
    html = response.content.decode()
    assert "Hay un problema con el formulario" in html
    assert "Este NPI no es válido" in html
    assert "This field is required" not in html
    assert not Submission.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "data_fn", "to"),
    [
        ("refer", referral_data, "doctor@example.org"),
        ("second_opinion", second_opinion_data, "family@example.org"),
        ("existing_patient", existing_patient_data, "family@example.org"),
    ],
)
def test_each_spanish_form_submits_confirms_and_emails_in_spanish(
    client, mailoutbox, django_capture_on_commit_callbacks, url_name, data_fn, to
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(spanish_url(f"referrals:{url_name}"), data_fn(), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0].startswith("/es/")
    assert '<html lang="es">' in html
    assert "Gracias: recibimos su formulario" in html
    assert "día hábil" in html
    submission = Submission.objects.get()
    assert submission.language == "es"
    confirmation = next(m for m in mailoutbox if m.to == [to])
    assert "Recibimos" in confirmation.subject
    assert submission.reference in confirmation.subject
    assert "día hábil" in confirmation.body
    assert "business day" not in confirmation.body


def test_catalogue_is_complete_and_compiled():
    po = Path(settings.BASE_DIR) / "locale/es/LC_MESSAGES/django.po"
    mo = po.with_suffix(".mo")
    assert mo.exists()
    assert mo.stat().st_mtime >= po.stat().st_mtime - 5
    text = po.read_text()
    assert "#, fuzzy" not in text
    untranslated = []
    for entry in text.split("\n\n")[1:]:  # the first block is the header
        msgstrs, current = {}, None
        for line in entry.splitlines():
            if line.startswith("msgstr"):
                current, _space, rest = line.partition(" ")
                msgstrs[current] = rest.strip('"')
            elif line.startswith('"') and current:
                msgstrs[current] += line.strip('"')
            elif not line.startswith('"'):
                current = None
        if not msgstrs or not all(msgstrs.values()):
            untranslated.append(entry)
    assert untranslated == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools are not installed")
def test_catalogue_has_every_string_the_code_uses(tmp_path):
    """`make messages` run now would add nothing: every translatable string is already in the catalogue."""
    import polib

    root = Path(settings.BASE_DIR)
    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns(".venv", ".git", "staticfiles", "screenshots", "private_media", "*.sqlite3*")
    node_modules = root / "node_modules"

    def skip(folder, names):
        skipped = set(ignore(folder, names))
        if Path(folder) == node_modules or node_modules in Path(folder).parents:
            # 220 MB once `make css` has run; makemessages reads only its .html, .txt and .py files.
            skipped |= {name for name in names if Path(name).suffix not in {".html", ".txt", ".py"}}
            skipped -= {name for name in names if (Path(folder) / name).is_dir()}
        return skipped

    shutil.copytree(root, copy, ignore=skip)
    env = {**os.environ, "DEBUG": "1"}
    command = [sys.executable, "manage.py", "makemessages", "-l", "es", "--ignore=tests", "--ignore=staticfiles"]
    subprocess.run(command, cwd=copy, env=env, check=True, capture_output=True, timeout=120)
    committed = {entry.msgid for entry in polib.pofile(str(root / "locale/es/LC_MESSAGES/django.po"))}
    fresh = polib.pofile(str(copy / "locale/es/LC_MESSAGES/django.po"))
    missing = sorted(entry.msgid for entry in fresh if entry.msgid not in committed and not entry.obsolete)
    assert missing == [], "run `make messages` and translate: " + repr(missing)
