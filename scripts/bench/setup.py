"""Everything between "the databases are ready" and the first round: fixtures, servers, sign-ins, the scenarios'
addresses, headers and bodies, and each scenario's queries per request. Lighthouse, after the rounds, too.
"""

import shutil
from dataclasses import replace

from scripts.bench import databases, fixtures, load, queries
from scripts.bench.plan import LIGHTHOUSE_PATHS, SCENARIOS
from scripts.bench.runner import Run
from scripts.bench.servers import BenchServer

PDF_BYTES = 1024 * 1024


def build(mode, urls, env, workdir, stack, skipped, say):
    password = fixtures.new_password()
    queue_urls = {key: urls[key] for key in ("small", "large") if urls.get(key)}
    totp, exports = {}, {}
    for key, url in queue_urls.items():
        first = next(k for k, u in queue_urls.items() if u == url)
        if first == key:  # one coordinator (one authenticator) per database
            databases.use(url)
            totp[key] = fixtures.coordinator(password)
        else:
            totp[key] = totp[first]
    admin_db = "large" if urls.get("large") else "small"
    databases.use(queue_urls[admin_db])
    history = fixtures.history_submissions()
    databases.use(urls["small"])
    term = fixtures.surname()
    for key, rows in zip(("export-small", "export-large"), mode.export_sizes, strict=True):
        exports[key] = (fixtures.export_range(rows), rows)
    databases.use(urls["site"])
    from programs.models import Video

    video = Video.objects.published().first()

    say("Starting gunicorn servers...")
    servers = {}
    by_url = {}
    uploads = {"PRIVATE_MEDIA_ROOT": str(workdir / "private-media")}  # the POSTs' PDFs, removed with the run
    for key, url, extra in (("site", urls["site"], uploads), ("nocache", urls["site"], {**uploads, "PAGE_CACHE_SECONDS": "0"}),
                            *[(k, u, {}) for k, u in queue_urls.items()]):  # fmt: skip
        if key not in ("site", "nocache") and url in by_url:
            servers[key] = by_url[url]  # one database, one server (--submissions equal to the small size)
            continue
        server = BenchServer(key, workdir, {**env, "DATABASE_URL": url, **extra}, key).launch()
        stack.callback(server.stop)
        servers[key] = server
        by_url.setdefault(url, server)
    for server in set(servers.values()):
        server.wait()
    servers["admin"] = servers[admin_db]
    say(f"  {len(set(servers.values()))} servers up; signing in to the admin (password and TOTP)...")

    run = Run(mode=mode, servers=servers, scenarios=[], workdir=workdir, say=say)
    signed_in = {}
    for key in queue_urls:
        server = servers[key]
        if server.name not in signed_in:
            signed_in[server.name] = load.sign_in(server.url, fixtures.USERNAME, password, totp[key])
    paths = {
        "video": video.get_absolute_url() if video else None,
        "change_5": f"/admin/referrals/submission/{history['change_5']}/change/",
        "change_50": f"/admin/referrals/submission/{history['change_50']}/change/",
    }
    searches = {key: load.search_path(signed_in[servers[key].name][1], term) for key in queue_urls}

    for scenario in SCENARIOS:
        if scenario.key in skipped:
            continue
        if scenario.path == "{video}" and not paths["video"]:
            skipped[scenario.key] = "no published video in the content"
            continue
        path = searches[scenario.server] if scenario.path == "{search}" else scenario.path.format(**paths)
        run.scenarios.append(replace(scenario, path=path))

    say("  Preparing the forms' bodies and the exports (each export checked in-process for its row count)...")
    run.poster = load.FormPoster(servers["site"].url, "/request-a-visit/", workdir)
    from scripts.battery.traffic import pdf_of_size

    pdf = pdf_of_size(PDF_BYTES, seed=1)
    site_count = _counter(urls["site"])
    run.count_submissions = site_count
    for scenario in run.scenarios:
        cookies = cookies_for(scenario, servers, signed_in)
        if scenario.body:
            body, content_type = run.poster.body_file(pdf if scenario.body == "form+pdf" else None)
            run.bodies[scenario.key] = body
            run.headers[scenario.key] = [load.cookie_header(run.poster.cookies), content_type]
        elif cookies:
            run.headers[scenario.key] = [load.cookie_header(cookies)]
        if scenario.tool == "download":
            databases.use(urls["small"])
            (first, last), rows = exports[scenario.key]
            csrf = load.csrf_token(signed_in[servers[scenario.server].name][1])
            run.downloads[scenario.key] = _export(first, last, rows, csrf, cookies)

    say("Counting queries per request (in-process)...")
    counted = {}
    for scenario in run.scenarios:
        counted[scenario.key] = _count(scenario, urls, admin_db, run, cookies_for(scenario, servers, signed_in), pdf)
    for key, number in counted.items():
        run.results[key] = {"rounds": [], "queries": number}
    say("Warming up (each scenario's page requested a few times on its server)...")
    for scenario in run.scenarios:
        if scenario.method == "GET":
            load.warm(
                servers[scenario.server].url + scenario.path, cookies_for(scenario, servers, signed_in), scenario.expect
            )
    if any(s.body == "form+pdf" for s in run.scenarios):
        run.memory["before"] = servers["site"].worker_rss_mb()
    return run


def _export(first, last, rows, csrf, cookies):
    """(path, fields, cookies, rows) of an export that selects exactly ``rows`` submissions.

    The id range alone where the queue lists every status; with "status=all" where it lists open ones only
    unless asked (tried in-process first, so the bench works with either version of the queue).
    """
    for extra in ("status=all", ""):
        path, fields = load.export_request(first, last, csrf, extra)
        if queries.csv_rows(path, fields, cookies) == rows:
            return path, fields, cookies, rows
    raise RuntimeError(f"no export filter selects exactly the {rows} submissions with ids {first}-{last}")


def cookies_for(scenario, servers, signed_in):
    if scenario.server in ("small", "large", "admin"):
        return signed_in[servers[scenario.server].name][0]
    return {}


def _counter(url):
    def count():
        databases.use(url)
        from referrals.models import Submission

        return Submission.objects.count()

    return count


def _count(scenario, urls, admin_db, run, cookies, pdf):
    database = {"site": "site", "nocache": "site", "admin": admin_db}.get(scenario.server, scenario.server)
    databases.use(urls[database])
    if scenario.tool == "download":
        path, fields, cookies, _rows = run.downloads[scenario.key]
        return queries.count(path, method="POST", data=fields, cookies=cookies)
    if scenario.method == "POST":
        from django.core.files.uploadedfile import SimpleUploadedFile

        from referrals.forms import new_form_token

        data = run.poster.data(new_form_token())
        if scenario.body == "form+pdf":
            data["documents"] = SimpleUploadedFile("report.pdf", pdf, content_type="application/pdf")
        number = queries.count(scenario.path, method="POST", data=data, expect=scenario.expect)
        from referrals.models import Attachment

        for attachment in Attachment.objects.filter(submission__form_token=data["form_token"]):
            attachment.file.delete(save=False)  # this process stores into the kept folder: leave nothing there
        return number
    return queries.count(
        scenario.path, cookies=cookies, expect=scenario.expect, page_cache=scenario.server != "nocache"
    )


def behind_nginx(server, workdir, stack):
    """The site's address through nginx with the production proxy files (compression included), as a phone
    reaches it; the gunicorn's own address when nginx is not installed (the scores then run lower)."""
    if not shutil.which("nginx"):
        return server.url
    from scripts.battery.services import Nginx

    proxy = Nginx(workdir, [server.port]).start()
    stack.callback(proxy.stop)
    return proxy.url


def lighthouse(base_url, mode, say):
    """Lighthouse's scores on a few pages when scripts/lighthouse.py and npm's lighthouse are there."""
    try:
        from scripts import lighthouse as lh
    except ImportError as error:
        return {"text": f"skipped (scripts/lighthouse.py cannot be imported: {error})", "rows": []}
    missing = (
        [str(p) for p in (lh.LIGHTHOUSE, lh.CHROME_PATH) if not shutil.which(str(p))]
        if hasattr(lh, "LIGHTHOUSE")
        else []
    )
    if missing:
        return {"text": f"skipped (not installed: {', '.join(missing)}; `npm ci` and Chromium)", "rows": []}
    say("Lighthouse...")
    try:
        # A quick run audits one page: enough to show it works, in the time CI gives it.
        rows = lh.audit(base_url, LIGHTHOUSE_PATHS if mode.enforce else LIGHTHOUSE_PATHS[:1])
    except Exception as error:  # reported in the table; fails a full run through "problems"
        return {"text": f"error ({type(error).__name__}: {error})", "rows": [], "problems": [f"Lighthouse: {error}"]}
    from scripts.bench.report import lighthouse_verdict

    problems = lighthouse_verdict(rows)
    text = "all pages at 100, LCP within target" if not problems else "; ".join(problems)
    return {
        "text": text + ("" if mode.enforce else " (not enforced in a quick run)"),
        "rows": rows,
        "problems": problems,
    }
