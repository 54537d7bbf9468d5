"""The clients: wrk (through bench.lua) for every measured request, and the few requests that set a run up
(forms' tokens, the coordinator's sign-in, the search POST), made with ``requests``.

The CSV export is timed here, one download at a time, from sending the POST to its last byte: a download
of seconds needs a stopwatch, not a load generator.
"""

import http.client
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests

from scripts.battery import traffic
from scripts.bench import stats
from scripts.bench.plan import WRK_CONNECTIONS, WRK_THREADS

LUA = Path(__file__).with_name("bench.lua")
TOKEN_PLACEHOLDER = "__FORM_TOKEN__"


def wrk(url, seconds, *, expect, method="GET", headers=(), body_file="", tokens_file=""):
    """One wrk run: its numbers (stats.parse_wrk) and its own printout."""
    command = ["wrk", "-t", str(WRK_THREADS), "-c", str(WRK_CONNECTIONS), "-d", f"{max(1, round(seconds))}s",
               "--latency", "--timeout", "30s", "-s", str(LUA)]  # fmt: skip
    for header in headers:
        command += ["-H", header]
    command += [url, "--", method, str(body_file), str(tokens_file)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout[-500:]}")
    result = stats.parse_wrk(done.stdout, expect)
    result["output"] = done.stdout
    return result


def warm(url, cookies, expect, times=4):
    """A few requests before the first measurement: both workers have imported and connected, caches hold it."""
    for _n in range(times):
        response = requests.get(url, cookies=cookies, allow_redirects=False, timeout=120)
        if response.status_code != expect:
            raise RuntimeError(f"GET {url} answered {response.status_code} (expected {expect})")


def cookie_header(cookies):
    return "Cookie: " + "; ".join(f"{name}={value}" for name, value in cookies.items())


# --- Public forms ---------------------------------------------------------------------------------


class FormPoster:
    """What a POST scenario sends: one CSRF cookie and token for the whole run, a new form token each time."""

    def __init__(self, base, path, workdir):
        self.base, self.path, self.workdir = base, path, Path(workdir)
        page = requests.get(base + path, timeout=30)
        page.raise_for_status()
        self.csrf_cookie = page.cookies["csrftoken"]
        self.csrf_token = traffic.CSRF_RE.search(page.text).group(1)
        from referrals.forms import FORM_TOKEN_RE

        token = traffic.FORM_TOKEN_RE.search(page.text)
        if not token or not FORM_TOKEN_RE.match(token.group(1) or token.group(2)):
            raise RuntimeError(f"GET {path} carries no form token of the expected shape")
        self.cookies = {"csrftoken": self.csrf_cookie}

    def data(self, form_token):
        from tests.referrals.factories import second_opinion_data

        return second_opinion_data(form_token=form_token, csrfmiddlewaretoken=self.csrf_token)

    def body_file(self, pdf=None):
        """The request body with the token's placeholder, written once; (path, Content-Type header)."""
        if pdf is None:
            body, content_type = urlencode(self.data(TOKEN_PLACEHOLDER)).encode(), "application/x-www-form-urlencoded"
            name = "body-form.txt"
        else:
            from urllib3 import encode_multipart_formdata

            fields = [*self.data(TOKEN_PLACEHOLDER).items(), ("documents", ("report.pdf", pdf, "application/pdf"))]
            body, content_type = encode_multipart_formdata(fields)
            name = "body-form-pdf.bin"
        path = self.workdir / name
        path.write_bytes(body)
        return path, f"Content-Type: {content_type}"

    def tokens_file(self, count, name):
        """``count`` fresh form tokens, one per line, from the function the form's GET calls.

        A form page's GET only calls ``new_form_token()`` and stores nothing, so a token made here is the
        same as one read from a page (``__init__`` checks a real page carries one of that shape), without
        fetching thousands of pages between measurements. Should the site ever register the tokens it hands
        out, these POSTs would stop answering 302, and the run would fail on its unexpected responses.
        """
        from referrals.forms import new_form_token

        path = self.workdir / name
        path.write_text("".join(new_form_token() + "\n" for _n in range(count)))
        return path


# --- The coordinator --------------------------------------------------------------------------------


def sign_in(base, username, password, totp):
    """The real admin sign-in (password and the current TOTP code); the session's cookies."""
    session = traffic.Session(base, traffic.Stats(), "bench")
    account = {"username": username, "password": password, "totp": totp}
    for _attempt in range(3):  # a code that just changed (or was used) is refused once: wait for the next
        if traffic.sign_in(session, account):
            return {cookie.name: cookie.value for cookie in session.cookies}, session
        time.sleep(31 - time.time() % 30)
    raise RuntimeError(f"could not sign in to {base} as {username}")


def search_path(session, term):
    """POST the queue's search box once; the ``?qk=`` address it redirects to (the words stay in the session)."""
    queue = session.go("GET", "/admin/referrals/submission/", "queue")
    csrf = traffic.CSRF_RE.search(queue.text).group(1)
    response = session.go(
        "POST",
        "/admin/referrals/submission/search/",
        "search",
        data={"csrfmiddlewaretoken": csrf, "q": term},
        headers={"Referer": session.base + "/admin/referrals/submission/"},
    )
    location = response.headers.get("Location", "")
    if response.status_code != 302 or "qk=" not in location:
        raise RuntimeError(f"the search POST answered {response.status_code} {location!r}")
    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}"


def csrf_token(session):
    page = session.go("GET", "/admin/referrals/submission/", "queue")
    return traffic.CSRF_RE.search(page.text).group(1)


def export_request(first, last, csrf, extra=""):
    """(path, form fields) of the export action over every submission with an id in [first, last].

    ``extra``: more of the list's filters, e.g. "status=all" where the queue lists open submissions only.
    """
    path = f"/admin/referrals/submission/?id__gte={first}&id__lte={last}" + (f"&{extra}" if extra else "")
    fields = {"csrfmiddlewaretoken": csrf, "action": "export_csv", "select_across": "1", "index": "0",
              "_selected_action": str(first)}  # fmt: skip
    return path, fields


def download(base, path, fields, cookies):
    """POST and read the whole answer: (seconds, status, content type, body)."""
    parts = urlsplit(base)
    body = urlencode(fields)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(cookies)[8:],
               "Referer": base + path}  # fmt: skip
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
    try:
        started = time.perf_counter()
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        seconds = time.perf_counter() - started
    finally:
        connection.close()
    return seconds, response.status, response.getheader("Content-Type", ""), content
