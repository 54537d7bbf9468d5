"""Where a request's time goes, measured in-process: the database, the templates, and the rest of the Python.

wrk says how fast a page is; this says what it is made of, so a missed target can be told apart from one out
of reach. Each scenario that renders or saves (the uncached content pages and the form POSTs) and the plain
view are requested ``REQUESTS`` times through ``django.test.Client`` in the bench process, with the servers'
settings, database and cache (as the query counts are), and each request's wall time is split three ways:

- **database**: time inside the driver's ``execute`` (Django's ``execute_wrapper``): sending the SQL, the
  server's work and the answer; the ORM's building of that SQL is not in it;
- **templates**: time inside the outermost Django template's ``render`` (a query a template runs lazily
  counts here too; the views here evaluate theirs before rendering);
- **rest**: everything else: middleware, URL resolving, the view, the ORM, forms, uploads, files.

**Ceiling** is the ratio to the plain view the page would reach under wrk if the rest of its own Python
cost nothing: T / (T + database + templates), where T is the plain view's time per request under wrk
(gunicorn's workers over the baseline's requests per second: gunicorn's own work, the sockets and the
middleware, all included). It is generous: under load the database and templates take longer than here. A
target above its ceiling cannot be met by making the view's Python faster; only fewer or cheaper queries,
less template work, or not rendering at all, can.
"""

import io
import time
from contextlib import contextmanager
from urllib.parse import urlencode

REQUESTS = {"GET": 200, "POST": 60}
WARMUP = 10


def wanted(scenario):
    return scenario.server == "nocache" or (scenario.method == "POST" and scenario.body.startswith("form"))


@contextmanager
def _timers(spent):
    """Add the wall time inside the driver's execute and inside outermost template renders to ``spent``."""
    from django.db import connection
    from django.template.backends.django import Template

    original = Template.render
    depth = [0]

    def render(self, *args, **kwargs):
        depth[0] += 1
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            depth[0] -= 1
            if not depth[0]:
                spent["templates"] += time.perf_counter() - started

    def execute(run, sql, params, many, context):
        started = time.perf_counter()
        try:
            return run(sql, params, many, context)
        finally:
            spent["database"] += time.perf_counter() - started

    Template.render = render
    try:
        with connection.execute_wrapper(execute):
            yield
    finally:
        Template.render = original


def _bodies(poster, pdf, count):
    """``count`` encoded form bodies, each with its own form token: (body, content type)."""
    from django.test.client import BOUNDARY, encode_multipart

    from referrals.forms import new_form_token

    bodies = []
    for _n in range(count):
        data = poster.data(new_form_token())
        if pdf is None:
            bodies.append((urlencode(data, doseq=True), "application/x-www-form-urlencoded"))
            continue
        document = io.BytesIO(pdf)
        document.name = "report.pdf"
        data["documents"] = document
        bodies.append((encode_multipart(BOUNDARY, data), f"multipart/form-data; boundary={BOUNDARY}"))
    return bodies


def measure(path, *, page_cache=True, bodies=None, count=REQUESTS["GET"]):
    """Mean ms per request: {"wall", "database", "templates", "rest"}."""
    from django.test import Client, override_settings

    from scripts.bench.queries import HOST

    client = Client(HTTP_HOST=HOST)
    requests = bodies if bodies is not None else [None] * (count + WARMUP)

    def send(body):
        response = client.get(path) if body is None else client.post(path, body[0], content_type=body[1])
        if response.status_code not in (200, 302):
            raise RuntimeError(f"{path} answered {response.status_code} in-process")

    with override_settings(**({} if page_cache else {"PAGE_CACHE_SECONDS": 0})):
        for body in requests[:WARMUP]:
            send(body)
        spent = {"database": 0.0, "templates": 0.0}
        measured = requests[WARMUP:]
        with _timers(spent):
            started = time.perf_counter()
            for body in measured:
                send(body)
            wall = time.perf_counter() - started
    per = {"wall": wall, **spent}
    per = {key: value * 1000 / len(measured) for key, value in per.items()}
    per["rest"] = max(per["wall"] - per["database"] - per["templates"], 0.0)
    return per


def run(scenarios, poster, pdf, say, baseline_rps):
    """{"plain_ms", "plain_wrk_ms", "rows": {scenario key: ms split + ceiling}} for the scenarios ``wanted`` picks.

    ``baseline_rps``: the plain view's median requests per second under wrk in this run.
    """
    from scripts.bench.plan import BASELINE_PATH, GUNICORN_WORKERS

    picked = [s for s in scenarios if wanted(s)]
    if not picked:
        return {}
    say(f"Where the time goes (in-process, {len(picked)} scenarios)...")
    plain = measure(BASELINE_PATH, count=REQUESTS["GET"] * 2)["wall"]
    plain_wrk = GUNICORN_WORKERS * 1000 / baseline_rps  # ms of a worker per request, every worker busy
    rows = {}
    for scenario in picked:
        if scenario.method == "POST":
            count = REQUESTS["POST"]
            bodies = _bodies(poster, pdf if scenario.body == "form+pdf" else None, count + WARMUP)
            split = measure(scenario.path, bodies=bodies)
        else:
            split = measure(scenario.path, page_cache=scenario.server != "nocache")
        split["ceiling"] = plain_wrk / (plain_wrk + split["database"] + split["templates"])
        rows[scenario.key] = {"label": scenario.label, **{k: round(v, 3) for k, v in split.items()}}
    return {"plain_ms": round(plain, 3), "plain_wrk_ms": round(plain_wrk, 3), "rows": rows}


def markdown(breakdown, targets, ratios):
    """The section of the report: one row per scenario, with its measured ratio and its target.

    ``ratios``: scenario key -> the median ratio wrk measured (None when it did not run).
    """
    if not breakdown:
        return []
    limits = {t.scenario: t.limit for t in targets if t.measure == "ratio"}
    lines = [
        "",
        f"Where the time goes (in-process, ms per request; the plain view: {breakdown['plain_ms']:.2f} ms here, "
        f"{breakdown['plain_wrk_ms']:.2f} ms of a worker under wrk). Ceiling: the ratio the page would reach if "
        "the rest of its own Python cost nothing (scripts/bench/breakdown.py).",
        "",
        "| scenario | wall | database | templates | rest | ratio | ceiling | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, row in breakdown["rows"].items():
        limit, ratio = limits.get(key), ratios.get(key)
        target = "–" if limit is None else f"{limit:.2f}" + (" (above the ceiling)" if limit > row["ceiling"] else "")
        lines.append(
            f"| {row['label']} | {row['wall']:.2f} | {row['database']:.2f} | {row['templates']:.2f} "
            f"| {row['rest']:.2f} | {'–' if ratio is None else f'{ratio:.2f}'} | {row['ceiling']:.2f} | {target} |"
        )
    return lines
