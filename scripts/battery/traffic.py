"""The people the battery plays: families and doctors sending forms with PDFs, coordinators reading the queue.

Each is a thread with its own HTTP session through nginx. A sender that gets no confirmation (a 502 while an
app server dies, the 503 while the database restarts, a dropped connection) sends the same form again with
the same one-time form token, as a person pressing Send again would; the form token makes that safe.

`random`, not `secrets`: a seeded, repeatable choice of forms, files and pauses. Every token the simulated
people send (form token, CSRF, TOTP) comes from the server or django-otp, never from here.
"""

import hashlib
import random
import re
import threading
import time
from dataclasses import dataclass, field

import requests

FORM_TOKEN_RE = re.compile(r'name="form_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="form_token"')
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REFERENCE_RE = re.compile(r"CIP-[0-9A-Z]{4}-[0-9A-Z]{4}")
CHANGE_LINK_RE = re.compile(r"/admin/referrals/submission/(\d+)/change/")
RETRYABLE = {502, 503, 504}


def pdf_of_size(size, seed=0):
    """A valid one-page PDF of about ``size`` bytes: its page's content stream is padded with comment lines."""
    rng = random.Random(seed)
    line = lambda: "% " + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(76)) + "\n"  # noqa: E731
    body = "BT /F1 12 Tf 72 720 Td (Battery test document) Tj ET\n"
    lines = [line() for _ in range(256)]
    padding = "".join(lines[i % 256] for i in range(max(size - 600, 0) // 79))
    stream = (padding + body).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


class Session(requests.Session):
    """An HTTP session that keeps Django's Secure cookies over the battery's plain-HTTP loopback and follows
    redirects itself (so each hop's cookies are kept). Every request is timed into ``stats``."""

    def __init__(self, base, stats, label):
        super().__init__()
        self.base, self.stats, self.label = base, stats, label

    def go(self, method, path, category, **kwargs):
        kwargs.setdefault("timeout", 90)
        started = time.monotonic()
        try:
            response = self.request(method, self.base + path, allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            self.stats.add(category, None, time.monotonic() - started, error=type(exc).__name__)
            raise
        for cookie in self.cookies:
            cookie.secure = False  # loopback is plain HTTP; production sends these over HTTPS only
        self.stats.add(category, response.status_code, time.monotonic() - started)
        return response


class Stats:
    """Every request's category, status and time; thread-safe."""

    def __init__(self):
        self.rows, self._lock = [], threading.Lock()

    def add(self, category, status, seconds, error=None):
        with self._lock:
            self.rows.append((category, status, seconds, error))

    def summary(self):
        statuses = [status for _category, status, _seconds, _error in self.rows]
        times = sorted(seconds for *_rest, seconds, error in self.rows if error is None)
        return {
            "requests": len(self.rows),
            "connection_errors": sum(1 for *_rest, error in self.rows if error is not None),
            "5xx": sum(1 for status in statuses if status and status >= 500),
            "500": statuses.count(500),
            "502": statuses.count(502),
            "503": statuses.count(503),
            "504": statuses.count(504),
            "p50_ms": round(_percentile(times, 50) * 1000),
            "p95_ms": round(_percentile(times, 95) * 1000),
        }

    def by_category(self):
        categories = sorted({row[0] for row in self.rows})
        result = {}
        for category in categories:
            times = sorted(seconds for cat, _status, seconds, error in self.rows if cat == category and not error)
            result[category] = {
                "requests": sum(1 for row in self.rows if row[0] == category),
                "p50_ms": round(_percentile(times, 50) * 1000),
                "p95_ms": round(_percentile(times, 95) * 1000),
            }
        return result


def _percentile(values, percent):
    if not values:
        return 0.0
    index = min(len(values) - 1, max(0, round(percent / 100 * (len(values) - 1))))
    return values[index]


@dataclass
class Sent:
    """One form a sender meant to send once: its token, the files' hashes, and what came back."""

    form: str
    token: str
    file_hashes: list
    attempts: int = 0
    reference: str = ""
    statuses: list = field(default_factory=list)


def sender(number, base, stats, deadline, grace, documents, results, forms):
    """Send forms until ``deadline``; keep retrying an unconfirmed one until ``deadline + grace``."""
    from tests.referrals.factories import referral_data, second_opinion_data

    rng = random.Random(number)
    session = Session(base, stats, f"sender-{number}")
    factories = {"refer": referral_data, "request-a-visit": second_opinion_data}
    while time.monotonic() < deadline:
        form = forms[rng.randrange(len(forms))]
        try:
            page = session.go("GET", f"/{form}/", "form GET")
        except requests.RequestException:
            time.sleep(0.5)
            continue
        match = FORM_TOKEN_RE.search(page.text) if page.status_code == 200 else None
        csrf = CSRF_RE.search(page.text) if match else None
        if not (match and csrf):
            time.sleep(0.5)
            continue
        token = match.group(1) or match.group(2)
        data = factories[form](form_token=token, csrfmiddlewaretoken=csrf.group(1))
        chosen = [documents[rng.randrange(len(documents))] for _ in range(rng.choice((1, 1, 2)))]
        sent = Sent(form=form, token=token, file_hashes=[hashlib.sha256(pdf).hexdigest() for pdf in chosen])
        results.append(sent)
        _send_until_confirmed(session, sent, data, chosen, deadline + grace)


def _send_until_confirmed(session, sent, data, documents, give_up_at):
    files = [("documents", (f"report-{i}.pdf", pdf, "application/pdf")) for i, pdf in enumerate(documents)]
    while time.monotonic() < give_up_at and sent.attempts < 30:
        sent.attempts += 1
        try:
            response = session.go("POST", f"/{sent.form}/", "form POST", data=data, files=files)
        except requests.RequestException:
            sent.statuses.append("connection error")
            time.sleep(0.5)
            continue
        sent.statuses.append(response.status_code)
        location = response.headers.get("Location", "")
        if response.status_code == 302 and "/received/" in location:
            try:
                page = session.go("GET", location, "confirmation")
            except requests.RequestException:
                page = None
            found = REFERENCE_RE.search(page.text) if page is not None and page.status_code == 200 else None
            if found:
                sent.reference = found.group(0)
                return
            time.sleep(0.5)
            continue
        if response.status_code in RETRYABLE:
            time.sleep(min(float(response.headers.get("Retry-After", 1)), 1.0) + random.random() * 0.5)
            continue
        return  # anything else (a 400, a 429, a 500) is reported as it is: not retried


def coordinator(number, base, stats, deadline, account, log):
    """Sign in with password and TOTP, then read the queue and open submissions until ``deadline``."""
    session = Session(base, stats, f"coordinator-{number}")
    rng = random.Random(1000 + number)
    signed_in = False
    while time.monotonic() < deadline:
        try:
            if not signed_in:
                signed_in = sign_in(session, account)
                if not signed_in:
                    time.sleep(1)
                    continue
                log.append(("signed in", number))
            queue = session.go("GET", "/admin/referrals/submission/", "queue")
            if queue.status_code == 302:  # signed out (a session lost would show here)
                log.append(("signed out", number))
                signed_in = False
                continue
            if queue.status_code != 200:
                time.sleep(0.5)
                continue
            ids = CHANGE_LINK_RE.findall(queue.text)
            if ids:
                session.go("GET", f"/admin/referrals/submission/{rng.choice(ids)}/change/", "change page")
            time.sleep(rng.uniform(0.2, 0.8))
        except requests.RequestException:
            time.sleep(0.5)


def sign_in(session, account):
    """Password + TOTP code on the admin's sign-in page; True when the queue opened."""
    page = session.go("GET", "/admin/login/", "sign-in")
    csrf = CSRF_RE.search(page.text) if page.status_code == 200 else None
    if not csrf:
        return False
    response = session.go(
        "POST",
        "/admin/login/",
        "sign-in",
        data={
            "csrfmiddlewaretoken": csrf.group(1),
            "username": account["username"],
            "password": account["password"],
            "otp_token": account["totp"](),
            "next": "/admin/referrals/submission/",
        },
        headers={"Referer": session.base + "/admin/login/"},
    )
    return response.status_code == 302 and "/login/" not in response.headers.get("Location", "")
