"""Staff sign-in: the Coordinators group, createcoordinator, two factors, enrolment, lockout, sessions, cookies, CSP."""

import importlib
import io
import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from referrals.models import Note
from referrals.roles import COORDINATOR_PERMISSIONS

from .factories import PASSWORD, coordinators_group, make_submission, verified_client

pytestmark = pytest.mark.django_db
LOGIN = reverse("admin:login")
CHANGELIST = reverse("admin:referrals_submission_changelist")
ENROL = reverse("admin:otp_enrol")


@pytest.fixture(autouse=True)
def _otp_on(settings):
    settings.OTP_REQUIRED = True


def current_token(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def login(client, username="coord", password=PASSWORD, token=""):
    return client.post(
        f"{LOGIN}?next=/admin/", {"username": username, "password": password, "otp_token": token, "next": "/admin/"}
    )


# --- The group and the command ----------------------------------------------------


def test_coordinators_group_has_exactly_the_job_and_no_delete():
    # Run the migration's own function (a transactional test elsewhere may have flushed its rows).
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    migration = importlib.import_module("referrals.migrations.0002_coordinators_group")
    state_apps = MigrationExecutor(connection).loader.project_state(("referrals", "0002_coordinators_group")).apps
    migration.create_group(state_apps, None)
    codenames = set(Group.objects.get(name="Coordinators").permissions.values_list("codename", flat=True))
    assert codenames == {codename for _model, codename in COORDINATOR_PERMISSIONS}
    # The policy the one list must keep: the job (read and work the queue, export, download, notes) and no more.
    assert {"view_submission", "change_submission", "export_submission", "download_attachment", "add_note"} <= codenames
    assert "add_submission" not in codenames  # submissions arrive through the public forms only
    assert not {"change_note", "change_statuschange", "add_statuschange", "view_accesslog"} & codenames  # append-only
    assert not any(code.startswith("delete_") for code in codenames)


def test_coordinator_can_do_the_job_but_not_delete(coordinator_client, coordinator):
    submission = make_submission()
    assert coordinator_client.get(reverse("admin:index")).status_code == 200
    assert coordinator_client.get(CHANGELIST).status_code == 200
    change = reverse("admin:referrals_submission_change", args=[submission.pk])
    assert coordinator_client.get(change).status_code == 200
    assert coordinator_client.get(reverse("admin:dashboard")).status_code == 200
    assert coordinator.has_perm("referrals.add_note")
    assert not coordinator.is_superuser
    for model in ("submission", "note", "statuschange", "attachment", "recorditem", "accesslog"):
        assert not coordinator.has_perm(f"referrals.delete_{model}")
    assert coordinator_client.get(reverse("admin:referrals_submission_delete", args=[submission.pk])).status_code == 403
    assert coordinator_client.get(reverse("admin:referrals_accesslog_changelist")).status_code == 403
    assert coordinator_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert Note.objects.count() == 0


def test_createcoordinator_from_environment(monkeypatch):
    coordinators_group()
    monkeypatch.setenv("DJANGO_COORDINATOR_PASSWORD", "a long enough passphrase 42")
    out = io.StringIO()
    call_command("createcoordinator", "--username", "nina", "--email", "nina@example.org", stdout=out)
    user = get_user_model().objects.get(username="nina")
    assert user.is_staff and not user.is_superuser and user.is_active
    assert user.email == "nina@example.org"
    assert user.check_password("a long enough passphrase 42")
    assert list(user.groups.values_list("name", flat=True)) == ["Coordinators"]
    assert user.has_perm("referrals.view_submission") and not user.has_perm("referrals.delete_submission")
    assert "created" in out.getvalue()
    with pytest.raises(CommandError, match="already exists"):
        call_command("createcoordinator", "--username", "nina", "--email", "n@example.org")


def test_createcoordinator_prompts_and_validates(monkeypatch):
    coordinators_group()
    monkeypatch.delenv("DJANGO_COORDINATOR_PASSWORD", raising=False)
    answers = iter(["short", "short"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError):
        call_command("createcoordinator", "--username", "omar", "--email", "omar@example.org")
    assert not get_user_model().objects.filter(username="omar").exists()
    answers = iter(["another fine passphrase 7", "another fine passphrase 7"])
    call_command("createcoordinator", "--username", "omar", "--email", "omar@example.org", stdout=io.StringIO())
    assert get_user_model().objects.get(username="omar").is_staff


def test_createcoordinator_needs_the_group(monkeypatch):
    Group.objects.filter(name="Coordinators").delete()
    monkeypatch.setenv("DJANGO_COORDINATOR_PASSWORD", "a long enough passphrase 42")
    with pytest.raises(CommandError, match="migrate"):
        call_command("createcoordinator", "--username", "pat", "--email", "pat@example.org")


# --- Two factors ----------------------------------------------------------------


def test_otp_required_staff_without_verified_device_cannot_reach_the_queue(coordinator):
    client = Client()
    client.force_login(coordinator)  # password only
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert client.get(reverse("admin:dashboard")).status_code == 302


def test_verified_device_reaches_the_queue(coordinator):
    assert verified_client(coordinator).get(CHANGELIST).status_code == 200


def test_without_otp_required_password_is_enough(settings, coordinator):
    settings.OTP_REQUIRED = False
    client = Client()
    client.force_login(coordinator)
    assert client.get(CHANGELIST).status_code == 200


@pytest.mark.parametrize(
    ("env", "otp_required", "secure_cookies"),
    [
        ({"DEBUG": "0", "SECRET_KEY": "x"}, True, True),
        ({"DEBUG": "1"}, False, False),
        ({"DEBUG": "1", "OTP_REQUIRED": "1"}, True, False),
    ],
)
def test_otp_and_secure_cookies_follow_debug(env, otp_required, secure_cookies):
    """Read settings.py in a fresh interpreter, as a deployment would."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import config.settings as s; "
        "print(s.OTP_REQUIRED, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_AGE)"
    )
    root = Path(__file__).resolve().parents[2]
    clean_env = {"PATH": "/usr/bin:/bin", **env}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=clean_env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [str(otp_required), str(secure_cookies), str(secure_cookies), "900"]


def test_two_factor_cannot_be_turned_off_when_debug_is_off():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "0", "SECRET_KEY": "x", "OTP_REQUIRED": "0"}
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"], cwd=root, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "OTP_REQUIRED cannot be turned off when DEBUG is off" in result.stderr


def test_login_with_password_and_code(coordinator):
    device = TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    client = Client()
    response = login(client, token=current_token(device))
    assert response.status_code == 302
    assert client.get(CHANGELIST).status_code == 200


def test_the_project_hasher_stores_a_slow_hash_and_sign_in_checks_it(settings, coordinator):
    """The other tests hash with MD5 for speed (tests/conftest.py); here the project's own hashers, end to end."""
    from django.conf import global_settings
    from django.contrib.auth.hashers import identify_hasher

    import config.settings

    settings.PASSWORD_HASHERS = getattr(config.settings, "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS)
    coordinator.set_password(PASSWORD)
    coordinator.save()
    hasher = identify_hasher(coordinator.password)
    assert hasher.algorithm == "pbkdf2_sha256"
    assert f"${hasher.iterations}$" in coordinator.password
    device = TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    client = Client()
    assert login(client, password="not the password", token=current_token(device)).status_code == 200
    assert "_auth_user_id" not in client.session
    response = login(client, token=current_token(device))
    assert response.status_code == 302
    assert client.get(CHANGELIST).status_code == 200


def test_login_with_device_but_wrong_or_no_code_is_refused(coordinator):
    TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    client = Client()
    for token in ("", "000000"):
        response = login(client, token=token)
        assert response.status_code == 200
        assert "6-digit code" in response.content.decode()
        assert "_auth_user_id" not in client.session


def test_enrolment_flow_qr_code_then_verified(coordinator):
    client = Client()
    response = login(client)  # no device yet: password only
    assert response.status_code == 302
    assert response["Location"] == ENROL
    assert client.get(CHANGELIST).status_code == 302  # not yet
    response = client.get(ENROL)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', html)
    assert "style=" not in html
    device = TOTPDevice.objects.get(user=coordinator)
    assert not device.confirmed
    response = client.post(ENROL, {"token": "123456" if current_token(device) != "123456" else "654321"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    response = client.post(ENROL, {"token": current_token(device)})
    assert "Too many attempts" in response.content.decode()  # django-otp throttles after a failure
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        response = client.post(ENROL, {"token": current_token(device)})
        assert response.status_code == 302
        device.refresh_from_db()
        assert device.confirmed
        assert client.get(CHANGELIST).status_code == 200
        # Enrolled and verified: the page only points back to the admin.
        assert client.get(ENROL).status_code == 302


def test_enrolment_secret_belongs_to_one_session(coordinator):
    """Someone who knew the password opened enrolment first: the real user gets a fresh secret, not theirs."""
    intruder = Client()
    login(intruder)
    intruder.get(ENROL)
    intruder_device = TOTPDevice.objects.get(user=coordinator)

    owner = Client()
    login(owner)
    owner.get(ENROL)
    owner_device = TOTPDevice.objects.exclude(pk=intruder_device.pk).get(user=coordinator)
    assert owner_device.bin_key != intruder_device.bin_key
    assert owner.get(ENROL).context["secret"] == owner.get(ENROL).context["secret"]  # stable within a session

    # A code from the secret the intruder saw confirms nothing in the owner's session.
    response = owner.post(ENROL, {"token": current_token(intruder_device)})
    assert response.status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):  # past django-otp's throttle
        response = owner.post(ENROL, {"token": current_token(owner_device)})
    assert response.status_code == 302
    # Confirmed: the other unconfirmed secret is gone, so it can never be confirmed later.
    assert list(TOTPDevice.objects.filter(user=coordinator).values_list("pk", "confirmed")) == [(owner_device.pk, True)]


def test_enrolment_page_refuses_anonymous_and_non_staff(django_user_model):
    assert Client().get(ENROL)["Location"].startswith(LOGIN)
    user = django_user_model.objects.create_user("family", password="x" * 20)
    client = Client()
    client.force_login(user)
    assert client.get(ENROL).status_code == 302
    assert not TOTPDevice.objects.exists()


def test_enrolment_cannot_add_a_device_without_the_first(coordinator):
    TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    client = Client()
    client.force_login(coordinator)  # password only: e.g. a stolen password
    response = client.get(ENROL)
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=coordinator).count() == 1


# --- Lockout, sessions, cookies ---------------------------------------------------


def test_lockout_after_the_failure_limit_with_cool_off(settings, coordinator):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    assert login(client, password="wrong-1").status_code == 200
    assert login(client, password="wrong-2").status_code == 200
    assert login(client, password="wrong-3").status_code == 429
    # Locked: even the right password is refused.
    response = login(client)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)):
        client = Client()
        response = login(client)
        assert response.status_code == 302


def test_wrong_codes_count_towards_lockout(settings, coordinator):
    settings.AXES_FAILURE_LIMIT = 2
    device = TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    client = Client()
    login(client, token="000001")
    assert login(client, token="000002").status_code == 429
    assert login(client, token=current_token(device)).status_code == 429


def test_logout_ends_the_session_on_the_server(coordinator_client):
    session_key = coordinator_client.session.session_key
    assert Session.objects.filter(session_key=session_key).exists()
    response = coordinator_client.post(reverse("admin:logout"))
    assert response.status_code == 200
    assert not Session.objects.filter(session_key=session_key).exists()
    assert coordinator_client.get(CHANGELIST).status_code == 302


def test_idle_timeout_signs_out(settings, coordinator):
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_TIMEOUT_SECONDS == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
    client = verified_client(coordinator)
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert client.get(CHANGELIST).status_code == 200  # activity slides the expiry
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        assert client.get(CHANGELIST).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=36)):
        assert client.get(CHANGELIST).status_code == 302


def test_secure_cookies_when_debug_is_off(coordinator):
    assert django_settings.SESSION_COOKIE_SECURE
    assert django_settings.CSRF_COOKIE_SECURE
    device = TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    client = Client()
    client.get(LOGIN)
    response = login(client, token=current_token(device))
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"]


# --- CSP: nothing inline on the coordinators' pages ---------------------------------


def test_admin_pages_have_no_inline_script_or_style(coordinator_client):
    submission = make_submission()
    pages = [
        reverse("admin:index"),
        CHANGELIST,
        reverse("admin:referrals_submission_change", args=[submission.pk]),
        reverse("admin:dashboard"),
    ]
    for url in pages:
        response = coordinator_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\sstyle=", html), url
        assert "<style" not in html, url
        assert "script-src 'self'" in response["Content-Security-Policy"]
