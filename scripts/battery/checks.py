"""What the battery proves once the load has stopped, read straight from the database and the bucket.

Nothing lost (every confirmed form is a row), nothing duplicated (one row per form token, one email per
outbox row), nothing half-written (every row has all the files its sender sent, every file its row, every
hash matching), and the checks that two app servers behave as one.
"""

import hashlib
import secrets
import time
from collections import Counter

from scripts.battery.traffic import CSRF_RE, FORM_TOKEN_RE, Session, Stats, sign_in


def integrity(sent, s3):
    """Compare what the senders sent with what the database and the bucket hold."""
    from referrals.models import Attachment, Submission

    rows = {s.form_token: s for s in Submission.objects.all()}
    attachments = {}
    for attachment in Attachment.objects.all():
        attachments.setdefault(attachment.submission_id, []).append(attachment)
    confirmed = [item for item in sent if item.reference]
    lost = [item for item in confirmed if item.token not in rows or rows[item.token].reference != item.reference]
    tokens = Counter(s.form_token for s in Submission.objects.all())
    duplicated = sum(count - 1 for count in tokens.values() if count > 1)
    half_written, hash_mismatches, checked_files = [], 0, 0
    objects = _bucket_objects(s3)
    for item in sent:
        submission = rows.get(item.token)
        if submission is None:
            continue
        stored = attachments.get(submission.pk, [])
        if sorted(a.sha256 for a in stored) != sorted(item.file_hashes):
            half_written.append(f"{submission.reference}: {len(stored)} of {len(item.file_hashes)} files")
        for attachment in stored:
            checked_files += 1
            body = objects.get(attachment.file.name)
            if body is None:
                half_written.append(f"{submission.reference}: a document row without its object")
            elif hashlib.sha256(body).hexdigest() != attachment.sha256:
                hash_mismatches += 1
    named = {a.file.name for group in attachments.values() for a in group}
    orphans = sorted(set(objects) - named)
    return {
        "forms sent": len(sent),
        "confirmed": len(confirmed),
        "unconfirmed (gave up)": len(sent) - len(confirmed),
        "rows": sum(1 for item in sent if item.token in rows),
        "rows for unconfirmed forms": sum(1 for item in sent if not item.reference and item.token in rows),
        "lost": len(lost),
        "duplicated": duplicated,
        "half-written": len(half_written),
        "files checked": checked_files,
        "objects in bucket": len(objects),
        "orphan objects": len(orphans),
        "hash mismatches": hash_mismatches,
        "_details": half_written[:10],
    }


def _bucket_objects(s3):
    """Every object in the bucket, by its storage name, with its bytes."""
    client = s3.client()
    return {name: client.get_object(Bucket=s3.bucket, Key=name)["Body"].read() for name in bucket_names(s3)}


def bucket_names(s3):
    client = s3.client()
    names, token = [], None
    while True:
        page = client.list_objects_v2(Bucket=s3.bucket, **({"ContinuationToken": token} if token else {}))
        names.extend(item["Key"] for item in page.get("Contents", []))
        if not page.get("IsTruncated"):
            break
        token = page["NextContinuationToken"]
    return names


def orphans(s3):
    """Objects no document row names."""
    from referrals.models import Attachment

    return sorted(set(bucket_names(s3)) - set(Attachment.objects.values_list("file", flat=True)))


def wait_for_outbox(timeout):
    """Wait until the outbox worker has sent everything; return how many rows are still waiting."""
    from referrals.models import Notification

    deadline = time.monotonic() + timeout
    waiting = Notification.objects.exclude(state="sent").count()
    while waiting and time.monotonic() < deadline:
        time.sleep(1)
        waiting = Notification.objects.exclude(state="sent").count()
    return waiting


def emails(mail, waiting):
    from referrals.models import Notification

    delivered = Counter()
    for message in mail.messages:
        subject = message["content"].split("Subject:", 1)[1].split("\n", 1)[0].strip()
        delivered[(tuple(message["to"]), subject)] += 1
    return {
        "outbox rows": Notification.objects.count(),
        "emails delivered": sum(delivered.values()),
        "emails duplicated": sum(count - 1 for count in delivered.values() if count > 1),
        "still waiting": waiting,
    }


def across_servers(apps, accounts):
    """Sessions, form tokens, OTP replay, lockouts, rate limits and coordinators' work hold across both servers."""
    from referrals.models import StatusChange, Submission

    one, two = (f"http://127.0.0.1:{app.port}" for app in apps)
    stats, results = Stats(), []

    def check(name, passed, detail=""):
        results.append((name, bool(passed), detail))

    # A form sent to one server and sent again (same token) to the other: one row, one confirmation page.
    first, second = Session(one, stats, "x"), Session(two, stats, "x")
    page = first.go("GET", "/request-a-visit/", "x")
    token = _token(page.text)
    from tests.referrals.factories import second_opinion_data

    answers = []
    for session in (first, second):
        form_page = session.go("GET", "/request-a-visit/", "x")
        data = second_opinion_data(form_token=token, csrfmiddlewaretoken=CSRF_RE.search(form_page.text).group(1))
        answers.append(session.go("POST", "/request-a-visit/", "x", data=data).headers.get("Location", ""))
    check(
        "one form token, two servers: one row",
        Submission.objects.filter(form_token=token).count() == 1 and answers[0] == answers[1] != "",
        answers[0],
    )
    submission = Submission.objects.get(form_token=token)

    # A coordinator signed in on one server is signed in on the other; what they do on one shows on the other.
    coordinator = Session(one, stats, "x")
    signed_in = sign_in(coordinator, accounts[0])
    coordinator.base = two
    queue = coordinator.go("GET", "/admin/referrals/submission/", "x")
    check("a session made on one server works on the other", signed_in and queue.status_code == 200)
    coordinator.base = one
    csrf = CSRF_RE.search(queue.text).group(1)
    coordinator.go(
        "POST",
        "/admin/referrals/submission/",
        "x",
        data={"csrfmiddlewaretoken": csrf, "action": "assign_to_me", "_selected_action": submission.pk, "index": 0},
    )
    coordinator.base = two
    change = coordinator.go("GET", f"/admin/referrals/submission/{submission.pk}/change/", "x")
    assigned = StatusChange.objects.filter(submission=submission, action="assigned").exists()
    check(
        "a coordinator's change on one server shows on the other",
        assigned and change.status_code == 200 and accounts[0]["username"] in change.text,
    )

    # The same TOTP code twice, once per server: the second is refused (django-otp's counter is in the database).
    code = accounts[1]["totp"]()
    replayed = dict(accounts[1], totp=lambda: code)
    check(
        "a TOTP code used on one server is refused on the other",
        sign_in(Session(one, stats, "x"), replayed) and not sign_in(Session(two, stats, "x"), replayed),
    )

    # Failed sign-ins spread over both servers lock the account on both (django-axes counts in the database).
    target = accounts[2]
    for attempt in range(5):
        wrong = dict(target, password="not-the-password-" + secrets.token_hex(4))
        sign_in(Session((one, two)[attempt % 2], stats, "x"), wrong)
    check("five failures across both servers lock the account on both", not sign_in(Session(two, stats, "x"), target))

    # The status page's per-client limit counts lookups on both servers together (the counter is in Redis).
    statuses = []
    for attempt in range(11):
        session = Session((one, two)[attempt % 2], stats, "x")
        page = session.go("GET", "/status/", "x")
        statuses.append(
            session.go(
                "POST",
                "/status/",
                "x",
                data={
                    "csrfmiddlewaretoken": CSRF_RE.search(page.text).group(1),
                    "reference": f"CIP-{secrets.token_hex(2).upper()}-ZZZZ",
                    "patient_dob": "2015-03-17",
                },
            ).status_code
        )
    check("the status page's limit counts both servers together", statuses[:10].count(429) == 0 and statuses[10] == 429,
          str(statuses))  # fmt: skip
    return results


def _token(html):
    match = FORM_TOKEN_RE.search(html)
    return match.group(1) or match.group(2)
