"""The outbox worker against a real SMTP server on loopback: down, then up, then hung. Each email arrives once."""

import os
import signal
import threading
import time
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command

from referrals.forms import ExistingPatientForm, SecondOpinionForm
from referrals.models import Notification
from referrals.notifications import run_worker, send_pass
from referrals.services import intake
from tests.smtp import free_port, hung_server, smtp_server

from .factories import MARKERS, existing_patient_data, second_opinion_data, valid_form


@pytest.fixture
def smtp_settings(settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    settings.EMAIL_USE_TLS = False
    return port


def submit_some():
    """Three submissions: five emails (two confirmations, three intake notices)."""
    intake.submit(form=valid_form(SecondOpinionForm, second_opinion_data()))
    intake.submit(form=valid_form(SecondOpinionForm, second_opinion_data()))
    intake.submit(form=valid_form(ExistingPatientForm, existing_patient_data(contact_email="")))
    return Notification.objects.count()


def assert_each_once(inbox, expected):
    keys = Counter((tuple(m["to"]), m["content"].split("Subject:", 1)[1].split("\n", 1)[0]) for m in inbox.messages)
    assert sum(keys.values()) == expected
    assert max(keys.values()) == 1, keys  # nobody got the same email twice
    assert set(Notification.objects.values_list("state", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)  # the worker's connection commits, as in its own process
def test_mail_server_down_then_up_each_email_arrives_once(smtp_settings, caplog):
    expected = submit_some()
    assert expected == 5
    result = send_pass()  # nothing listens on the port
    assert (result.sent, result.server_down) == (0, True)
    # Refused before any row was claimed: none waits out a back-off for the server's fault.
    assert set(Notification.objects.values_list("state", "attempts")) == {("pending", 0)}
    assert "mail server unavailable error=ConnectionRefusedError" in caplog.text

    with smtp_server(smtp_settings) as inbox:
        assert run_worker(interval=0, max_passes=1) == 1
        run_worker(interval=0, max_passes=1)  # a second pass finds nothing left to send
        call_command("send_pending_notifications")
    assert_each_once(inbox, expected)
    everything = "".join(m["content"] for m in inbox.messages) + caplog.text
    assert MARKERS["patient_name"] not in everything and MARKERS["message"] not in everything


@pytest.mark.django_db
def test_a_hung_mail_server_costs_one_timeout_per_pass_not_one_per_email(smtp_settings):
    submit_some()
    with hung_server(smtp_settings):
        started = time.monotonic()
        result = send_pass()
        elapsed = time.monotonic() - started
    assert result.server_down and result.sent == 0
    assert elapsed < 2 * 2 + 1  # one EMAIL_TIMEOUT (2 s), not five
    assert set(Notification.objects.values_list("state", flat=True)) == {"pending"}
    with smtp_server(smtp_settings) as inbox:
        send_pass()
    assert_each_once(inbox, 5)


@pytest.mark.django_db
def test_a_refused_recipient_waits_alone_while_the_others_are_sent(smtp_settings):
    class RefusingInbox:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("family"):
                return "550 no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            accepted.extend(envelope.rcpt_tos)
            return "250 OK"

    from aiosmtpd.controller import Controller

    accepted = []
    intake.submit(form=valid_form(SecondOpinionForm, second_opinion_data(contact_email="family@example.org")))
    controller = Controller(RefusingInbox(), hostname="127.0.0.1", port=smtp_settings)
    controller.start()
    try:
        result = send_pass()
    finally:
        controller.stop()
    assert (result.sent, result.failed, result.server_down) == (1, 1, False)
    refused = Notification.objects.get(to_email="family@example.org")
    assert (refused.state, refused.last_error, refused.attempts) == ("pending", "SMTPRecipientsRefused", 1)
    assert refused.next_attempt_at is not None
    assert accepted == [Notification.objects.get(state="sent").to_email]

    with smtp_server(smtp_settings) as inbox:
        assert send_pass().sent == 0  # still waiting out its back-off
        with time_machine.travel(refused.next_attempt_at, tick=False):
            assert send_pass().sent == 1
    assert [m["to"] for m in inbox.messages] == [["family@example.org"]]


@pytest.mark.django_db(transaction=True)
def test_the_running_worker_sends_what_is_committed_within_seconds(smtp_settings):
    stop = threading.Event()
    with smtp_server(smtp_settings) as inbox:
        worker = threading.Thread(target=run_worker, kwargs={"interval": 0.1, "stop": stop})
        worker.start()
        try:
            intake.submit(form=valid_form(SecondOpinionForm, second_opinion_data()))
            deadline = time.monotonic() + 10
            while len(inbox.messages) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            stop.set()
            worker.join(timeout=10)
    assert not worker.is_alive()
    assert_each_once(inbox, 2)


@pytest.mark.django_db(transaction=True)
def test_the_command_loops_until_sigterm_and_then_exits_cleanly(smtp_settings, capsys):
    intake.submit(form=valid_form(ExistingPatientForm, existing_patient_data(contact_email="")))
    before = signal.getsignal(signal.SIGTERM)
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    with smtp_server(smtp_settings) as inbox:
        timer.start()
        call_command("send_pending_notifications", loop=True, interval=0.1)
    timer.join()
    assert capsys.readouterr().out.splitlines() == ["Outbox worker started.", "Outbox worker stopped."]
    assert signal.getsignal(signal.SIGTERM) == before  # the test process's own handler is back
    assert_each_once(inbox, 1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fails", ["before sending", "after the server took it"])
def test_a_database_failure_mid_send_is_settled_without_losing_or_repeating_the_email(
    smtp_settings, monkeypatch, fails
):
    """The database goes away in the middle of one email (as in a restart): the worker settles it when it is back."""
    from django.db import InterfaceError

    from referrals import notifications

    intake.submit(form=valid_form(ExistingPatientForm, existing_patient_data(contact_email="")))
    target = "build_message" if fails == "before sending" else "_mark_sent"
    real, calls = getattr(notifications, target), {"n": 0}

    def once_broken(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise InterfaceError("connection already closed")
        return real(*args, **kwargs)

    monkeypatch.setattr(notifications, target, once_broken)
    with smtp_server(smtp_settings) as inbox:
        # Pass 1 is interrupted; pass 2 settles the row (sent, or back in the queue) and sends what is left.
        run_worker(interval=0, max_passes=3)
    assert calls["n"] == 2  # interrupted once, then done once
    assert_each_once(inbox, 1)
