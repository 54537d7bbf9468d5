"""Many people submitting at once (PostgreSQL only: SQLite serialises writers and hides races)."""

import threading

import pytest
from django.db import connection

from referrals.forms import SecondOpinionForm
from referrals.models import Attachment, Notification, RecordItem, Submission
from referrals.services import intake

from .factories import second_opinion_data, upload, valid_form

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so it cannot show races")


def run_in_threads(count, target):
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def work(i):
        from django.db import connections

        try:
            barrier.wait(timeout=30)
            results[i] = target(i)
        except Exception as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def valid_second_opinion(**overrides):
    return valid_form(SecondOpinionForm, second_opinion_data(**overrides), [upload("scan.pdf")])


def submit(form, files=None):
    return intake.submit(form=form, files=form.cleaned_data["documents"] if files is None else files)


def test_twenty_simultaneous_submissions_all_succeed_with_distinct_references(settings):
    forms = [valid_second_opinion() for _ in range(20)]
    results, errors = run_in_threads(20, lambda i: submit(forms[i]))
    assert errors == []
    references = {s.reference for s in results}
    assert len(references) == 20
    assert Submission.objects.filter(reference__in=references).count() == 20
    assert Attachment.objects.count() == 20
    assert RecordItem.objects.count() == 20 * len(RecordItem.Item)
    assert Notification.objects.count() == 40


def test_double_click_with_the_same_token_at_once_makes_one_submission(settings):
    token = valid_second_opinion().cleaned_data["form_token"]
    forms = [valid_second_opinion(form_token=token) for _ in range(8)]
    results, errors = run_in_threads(8, lambda i: submit(forms[i]))
    assert errors == []
    assert Submission.objects.count() == 1
    assert {s.pk for s in results} == {Submission.objects.get().pk}
    assert Attachment.objects.count() == 1
    # The losers' files were removed: only the winner's file is on disk.
    assert len(list(settings.PRIVATE_MEDIA_ROOT.rglob("*.pdf"))) == 1


def test_senders_running_at_once_send_each_email_exactly_once(settings, monkeypatch):
    from django.core import mail

    from referrals import notifications

    # Create the rows without sending them (as if the mail server had been down).
    monkeypatch.setattr(notifications, "send_pending", lambda **kwargs: 0)
    for _ in range(10):
        submit(valid_second_opinion(), files=[])
    monkeypatch.undo()
    assert Notification.objects.filter(state="pending").count() == 20

    mail.outbox = []
    results, errors = run_in_threads(4, lambda i: notifications.send_pending())
    assert errors == []
    assert sum(results) == 20
    assert len(mail.outbox) == 20
    assert Notification.objects.filter(state="sent").count() == 20
