"""Backup codes and the two-factor page: shown once, each signs in once, their use logged without the code,
and a lost phone replaced by the staff member alone (password + a backup code, then a new authenticator app)."""

import logging
import re
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from referrals.admin import two_factor
from referrals.models import AccessLog

from .factories import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = reverse("admin:login")
CHANGELIST = reverse("admin:referrals_submission_changelist")
ENROL = reverse("admin:otp_enrol")
TWO_FACTOR = reverse("admin:two_factor")
START = reverse("admin:two_factor_start_authenticator")
NEW_AUTHENTICATOR = reverse("admin:two_factor_new_authenticator")
MAKE_CODES = reverse("admin:two_factor_make_backup_codes")
CODES = reverse("admin:two_factor_backup_codes")


@pytest.fixture(autouse=True)
def _otp_on(settings):
    settings.OTP_REQUIRED = True


@pytest.fixture
def enrolled(coordinator):
    """A coordinator with an authenticator app and ten backup codes, as after enrolment."""
    device = TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    return device, [token.token for token in two_factor.make_backup_codes(user=coordinator)]


def app_code(device):
    """What the authenticator app shows now (time_machine moves "now")."""
    import time

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def login(client, token):
    return client.post(LOGIN, {"username": "coord", "password": PASSWORD, "otp_token": token, "next": "/admin/"})


def later(seconds):
    """Past django-otp's throttle after a wrong code (1 s, then 2 s, ...), or into the next 30-second TOTP step."""
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds))


def codes_in_database(user):
    return set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def assert_no_code_in(codes, *texts):
    for text in texts:
        found = [code for code in codes if code in text]
        assert not found, f"a backup code leaked: {text[:200]!r}"


# --- Shown once ----------------------------------------------------------------------


def test_enrolment_ends_with_ten_backup_codes_shown_once(coordinator, caplog):
    caplog.set_level(logging.DEBUG)
    client = Client()
    assert login(client, "")["Location"] == ENROL
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=coordinator)
    response = client.post(ENROL, {"token": app_code(device)})
    assert response.status_code == 302
    assert response["Location"] == CODES
    codes = codes_in_database(coordinator)
    assert len(codes) == 10
    # The session carries which codes to show, never the codes themselves.
    assert_no_code_in(codes, repr(dict(client.session.items())))

    page = client.get(CODES)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert all(f"<code>{code}</code>" in html for code in codes)
    assert "only once" in html and "Your authenticator is set up." in html
    assert not re.search(r"\sstyle=|<style|<script(?![^>]*\bsrc=)", html)  # the CSP forbids inline

    # Reloading (or the back button) finds nothing: the codes went with the first display.
    again = client.get(CODES)
    assert again.status_code == 302
    assert again["Location"] == TWO_FACTOR
    overview = client.get(TWO_FACTOR).content.decode()
    assert "shown only once" in overview and "10 unused backup codes" in overview
    assert_no_code_in(codes, overview, response["Location"], again["Location"], caplog.text)
    made = AccessLog.objects.get(action=AccessLog.Action.BACKUP_CODES_MADE)
    assert (made.username, made.object_repr, made.submission) == ("coord", "two-factor", None)


# --- Each works once ------------------------------------------------------------------


def test_a_backup_code_signs_in_once_and_its_use_is_logged_without_it(settings, enrolled, coordinator, caplog):
    settings.AXES_FAILURE_LIMIT = 2
    caplog.set_level(logging.DEBUG)
    _device, codes = enrolled
    client = Client()
    response = login(client, codes[0])
    assert response.status_code == 302
    assert_no_code_in(codes, response["Location"])
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert "You have 9 backup codes left." in html
    assert f'<a href="{TWO_FACTOR}">' in html  # the message points at the two-factor page
    assert codes_in_database(coordinator) == set(codes[1:])

    used = AccessLog.objects.get(action=AccessLog.Action.BACKUP_CODE)
    assert (used.username, used.object_repr, used.client_ip, used.submission) == (
        "coord",
        "two-factor",
        "127.0.0.1",
        None,
    )
    assert "signed in with a backup code user=coord left=9" in caplog.text
    assert_no_code_in(codes, str(used), used.detail, caplog.text)

    # The same code again: refused, and a failed login for django-axes like any wrong code.
    client.post(reverse("admin:logout"))
    with later(5):
        second = Client()
        response = login(second, codes[0])
        assert response.status_code == 200
        assert "Enter the current 6-digit code" in response.content.decode()
        assert "_auth_user_id" not in second.session
        with later(10):  # past the throttle: still refused, and the second failure locks the account
            assert login(second, codes[0]).status_code == 429
            assert login(Client(), codes[1]).status_code == 429
    assert AccessLog.objects.filter(action=AccessLog.Action.BACKUP_CODE).count() == 1
    assert_no_code_in(codes, caplog.text)


def test_a_code_typed_with_a_wrong_password_is_not_kept_by_axes(enrolled):
    from axes.models import AccessAttempt

    _device, codes = enrolled
    client = Client()
    client.post(LOGIN, {"username": "coord", "password": "not the password", "otp_token": codes[0], "next": "/"})
    assert_no_code_in(codes, AccessAttempt.objects.get().post_data)  # the code is unused, so still valid


def test_a_backup_code_may_be_typed_in_capitals_with_a_space_or_hyphen(enrolled):
    _device, codes = enrolled
    assert login(Client(), f"{codes[0][:4].upper()}-{codes[0][4:].upper()}").status_code == 302
    assert login(Client(), f" {codes[1][:4]} {codes[1][4:]} ").status_code == 302


def test_a_backup_code_read_with_zero_for_o_or_one_for_l_still_works(coordinator):
    TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    first = two_factor.make_backup_codes(user=coordinator)[0]
    StaticToken.objects.filter(pk=first.pk).update(token="hello2ab")  # test setup: a code with an o and an l
    assert login(Client(), "HE1L0-2AB").status_code == 302


def test_a_wrong_backup_code_is_refused_and_slows_the_next_try(enrolled):
    _device, codes = enrolled
    with time_machine.travel(timezone.now(), tick=False):  # the clock stands still: a slow sign-in cannot matter
        response = login(Client(), "notacode")
        assert response.status_code == 200
        response = login(Client(), codes[0])  # right, but within django-otp's back-off
        assert "Too many wrong codes" in response.content.decode()
    with later(5):
        assert login(Client(), codes[0]).status_code == 302


def test_signing_in_with_the_last_code_says_to_make_new_ones(enrolled, coordinator):
    _device, codes = enrolled
    StaticToken.objects.filter(device__user=coordinator).exclude(token=codes[0]).delete()
    client = Client()
    assert login(client, codes[0]).status_code == 302
    assert "your last backup code" in client.get(CHANGELIST).content.decode()
    assert "You have no backup codes." in client.get(TWO_FACTOR).content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sign_ins_racing_with_one_code_only_one_wins(coordinator):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so it cannot show races")
    code = two_factor.make_backup_codes(user=coordinator)[0].token
    barrier, results = threading.Barrier(4), []

    def try_code():
        from django.db import connections

        try:
            barrier.wait(timeout=30)
            results.append(two_factor.match_code(coordinator, code)[0] is not None)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=try_code) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [False, False, False, True]


# --- A lost phone, recovered without a superuser -----------------------------------------


def test_lost_phone_backup_code_then_a_new_authenticator_app(enrolled, coordinator, caplog):
    caplog.set_level(logging.DEBUG)
    old_device, codes = enrolled
    client = Client()
    assert login(client, codes[0]).status_code == 302  # password + a backup code
    overview = client.get(TWO_FACTOR)
    assert overview.status_code == 200
    assert "Replace the authenticator app" in overview.content.decode()

    response = client.post(START)
    assert response["Location"] == NEW_AUTHENTICATOR
    new_device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    page = client.get(NEW_AUTHENTICATOR)
    assert page.status_code == 200
    assert re.search(r'<img src="data:image/svg\+xml;base64,', page.content.decode())
    # Until the new app's code is confirmed, the old app still signs in.
    assert login(Client(), app_code(old_device)).status_code == 302
    response = client.post(NEW_AUTHENTICATOR, {"token": "000000" if app_code(new_device) != "000000" else "111111"})
    assert "did not match" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=old_device.pk, confirmed=True).exists()

    with later(5):
        response = client.post(NEW_AUTHENTICATOR, {"token": app_code(new_device)})
        assert response.status_code == 302
        assert response["Location"] == TWO_FACTOR
        assert list(TOTPDevice.objects.filter(user=coordinator).values_list("pk", "confirmed")) == [
            (new_device.pk, True)
        ]
        assert "The old one no longer works" in client.get(TWO_FACTOR).content.decode()
        assert client.get(CHANGELIST).status_code == 200  # this session stays signed in
        assert client.get(NEW_AUTHENTICATOR)["Location"] == TWO_FACTOR  # nothing left to confirm
    replaced = AccessLog.objects.get(action=AccessLog.Action.AUTHENTICATOR_REPLACED)
    assert (replaced.username, replaced.object_repr) == ("coord", "two-factor")

    with later(60):  # the next 30-second step: the new app signs in, the old one no longer does
        assert login(Client(), app_code(new_device)).status_code == 302
        assert login(Client(), app_code(old_device)).status_code == 200
    assert_no_code_in(codes, caplog.text)


def test_replacing_the_app_ends_sessions_verified_with_the_old_one(enrolled, coordinator):
    old_device, _codes = enrolled
    elsewhere, here = Client(), Client()
    assert login(elsewhere, app_code(old_device)).status_code == 302
    with later(31):
        assert login(here, app_code(old_device)).status_code == 302
        here.post(START)
        new_device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
        assert here.post(NEW_AUTHENTICATOR, {"token": app_code(new_device)}).status_code == 302
        assert here.get(CHANGELIST).status_code == 200  # re-verified with the new app
        assert elsewhere.get(CHANGELIST).status_code == 302  # the old app's session must sign in again


# --- New codes -----------------------------------------------------------------------------


def test_new_backup_codes_stop_the_old_ones(enrolled, coordinator, caplog):
    caplog.set_level(logging.DEBUG)
    _device, old_codes = enrolled
    client = Client()
    assert login(client, old_codes[0]).status_code == 302  # verified by a backup code: stays so below
    response = client.post(MAKE_CODES)
    assert response["Location"] == CODES
    new_codes = codes_in_database(coordinator)
    assert len(new_codes) == 10
    assert new_codes.isdisjoint(old_codes)
    html = client.get(CODES).content.decode()
    assert all(code in html for code in new_codes)
    assert client.get(CHANGELIST).status_code == 200
    assert AccessLog.objects.filter(action=AccessLog.Action.BACKUP_CODES_MADE).count() == 2  # enrolment + now
    assert StaticDevice.objects.filter(user=coordinator).count() == 1

    assert login(Client(), old_codes[1]).status_code == 200
    with later(5):
        assert login(Client(), sorted(new_codes)[0]).status_code == 302
    assert_no_code_in(new_codes | set(old_codes), caplog.text, response["Location"])


def test_staff_enrolled_before_backup_codes_are_reminded_and_can_make_some(coordinator):
    device = TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    client = Client()
    assert login(client, app_code(device)).status_code == 302
    html = client.get(CHANGELIST).content.decode()
    assert "You have no backup codes." in html and f'<a href="{TWO_FACTOR}">' in html
    assert "You have no backup codes." in client.get(TWO_FACTOR).content.decode()
    client.post(MAKE_CODES)
    assert len(codes_in_database(coordinator)) == 10


# --- Who may ------------------------------------------------------------------------------


def test_unverified_sessions_and_strangers_are_sent_to_sign_in(enrolled, coordinator):
    _device, codes = enrolled
    password_only = Client()
    password_only.force_login(coordinator)  # a stolen password, say
    for client in (password_only, Client()):
        for method, url in [("get", TWO_FACTOR), ("post", START), ("get", NEW_AUTHENTICATOR), ("post", MAKE_CODES)]:
            response = getattr(client, method)(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(LOGIN), url
        assert client.get(CODES)["Location"].startswith(LOGIN)
    assert codes_in_database(coordinator) == set(codes)
    assert TOTPDevice.objects.filter(user=coordinator).count() == 1
    assert not AccessLog.objects.exclude(action=AccessLog.Action.BACKUP_CODES_MADE).exists()


def test_changes_are_posts_with_a_csrf_token(enrolled, coordinator):
    device, codes = enrolled
    client = Client()
    login(client, app_code(device))
    assert client.get(MAKE_CODES).status_code == 405
    assert client.get(START).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    assert strict.post(MAKE_CODES).status_code == 403
    assert strict.post(START).status_code == 403
    assert codes_in_database(coordinator) == set(codes)
    assert TOTPDevice.objects.filter(user=coordinator).count() == 1


def test_two_factor_pages_have_no_inline_script_or_style(enrolled, coordinator):
    device, _codes = enrolled
    client = Client()
    login(client, app_code(device))
    client.post(START)
    client.post(MAKE_CODES)
    for url in (TWO_FACTOR, NEW_AUTHENTICATOR, CODES):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not re.search(r"\sstyle=|<style|<script(?![^>]*\bsrc=)", response.content.decode()), url


def test_every_admin_page_links_to_the_two_factor_page(coordinator_client):
    html = coordinator_client.get(reverse("admin:referrals_submission_changelist")).content.decode()
    assert f'href="{reverse("admin:two_factor")}"' in html


def test_django_otps_own_admin_shows_a_superuser_no_code_and_no_secret(coordinator, django_user_model):
    from referrals.admin.two_factor import make_backup_codes

    from .factories import verified_client

    codes = [token.token for token in make_backup_codes(user=coordinator)]
    device = StaticDevice.objects.get(user=coordinator)
    secret = TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True).key
    boss = django_user_model.objects.create_superuser("boss", "boss@example.org", "a-long-test-password-1")
    client = verified_client(boss)
    pages = [
        client.get(f"/admin/otp_static/staticdevice/{device.pk}/change/"),
        client.get("/admin/otp_static/staticdevice/"),
        client.get("/admin/otp_totp/totpdevice/"),
    ]
    assert [page.status_code for page in pages] == [200, 200, 200]
    assert_no_code_in(codes, *(page.content.decode() for page in pages))
    assert all(secret not in page.content.decode() for page in pages)
