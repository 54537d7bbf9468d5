"""The rounds: every scenario interleaved with the baseline on its own server, round after round.

Within a round the order is B S1 B S2 B ... (B = /robots.txt on the scenario's server): each scenario's
ratio is its req/s over the mean of the baselines just before and just after it, so a machine that speeds up
or slows down during the run moves both sides. "X vs Y" scenarios sit next to each other in the same round.
The CSV exports run at the end of each round, the two sizes alternating, one download at a time.
"""

import csv
import io
import statistics
import time
from dataclasses import dataclass, field

from scripts.bench import load
from scripts.bench.plan import BASELINE_PATH, WRK_CONNECTIONS


@dataclass
class Run:
    """Everything the rounds need, filled in by __main__ before they start."""

    mode: object
    servers: dict  # server key -> BenchServer
    scenarios: list  # resolved plan.Scenario (paths filled in)
    workdir: object
    say: object
    headers: dict = field(default_factory=dict)  # scenario key -> wrk -H values (cookies, content type)
    bodies: dict = field(default_factory=dict)  # scenario key -> body file
    poster: object = None  # load.FormPoster for the POST scenarios
    count_submissions: object = None  # () -> submissions in the site database
    downloads: dict = field(default_factory=dict)  # scenario key -> (path, fields, cookies, expected rows)
    results: dict = field(default_factory=dict)  # scenario key -> {"rounds": [...], ...}
    baselines: dict = field(default_factory=dict)  # server key -> [baseline results]
    memory: dict = field(default_factory=lambda: {"before": None, "samples": [], "uploads": 0})
    errors: list = field(default_factory=list)


def baseline(run, server_key):
    server = run.servers[server_key]
    result = _retrying(
        run, f"baseline on {server_key}", lambda seconds: load.wrk(server.url + BASELINE_PATH, seconds, expect=200)
    )
    check_bad(run, f"baseline on {server_key}", result)
    run.baselines.setdefault(server.name, []).append(_slim(result))
    return result


def _retrying(run, what, attempt):
    """A measurement that completed no request (a page slower than the window on a busy machine) or whose
    token pool ran dry is made again with a window three times as long, twice at most."""
    seconds = run.mode.seconds
    for _n in range(3):
        result = attempt(seconds)
        if result["requests"] and not result["exhausted"]:
            return result
        seconds *= 3
    run.errors.append(
        f"{what}: no complete measurement ({result['requests']} requests, pool ran dry: {result['exhausted']})"
    )
    return result


def check_bad(run, what, result):
    if result["bad"]:
        run.errors.append(f"{what}: {result['bad']} unexpected responses or socket errors {result['statuses']}")


def _slim(result):
    return {key: value for key, value in result.items() if key not in ("output", "statuses", "exhausted")} | {
        "statuses": {str(code): n for code, n in result["statuses"].items()}
    }


def measure(run, scenario, baseline_rps):
    """One wrk run of a scenario (a POST scenario: with a new pool of form tokens, and its rows counted)."""
    url = run.servers[scenario.server].url + scenario.path
    headers = run.headers.get(scenario.key, [])
    if scenario.method == "GET":
        return _retrying(
            run, scenario.key, lambda seconds: load.wrk(url, seconds, expect=scenario.expect, headers=headers)
        )
    earlier = run.results.get(scenario.key, {}).get("rounds", [])
    estimate = max([baseline_rps] + [r["rps"] for r in earlier])

    def post(seconds):
        tokens = run.poster.tokens_file(int(estimate * seconds * 2) + 100, f"tokens-{scenario.key}.txt")
        before = run.count_submissions()
        result = load.wrk(url, seconds, expect=scenario.expect, method="POST", headers=headers,
                          body_file=run.bodies[scenario.key], tokens_file=tokens)  # fmt: skip
        result["created"] = _created(run, before, result["sent"], settle=max(2.0, 3 * result["p95_ms"] / 1000))
        answered = sum(result["statuses"].values())
        result["in_flight"] = result["created"] - answered
        # Each answered POST made one submission (check_bad reports any answer but a 302); when wrk stops, each
        # connection may have one more POST in flight, which the server finishes all the same (a request wrk
        # generated but never finished writing makes none): so answered <= created <= sent, at most one a
        # connection between the first two.
        if not answered <= result["created"] <= result["sent"] or result["in_flight"] > WRK_CONNECTIONS:
            run.errors.append(f"{scenario.key}: {result['sent']} POSTs sent, {answered} answered "
                              f"({result['statuses']}), {result['created']} submissions made")  # fmt: skip
        if scenario.body == "form+pdf":
            run.memory["uploads"] += result["created"]
            sample_memory(run, scenario.server)
        return result

    return _retrying(run, scenario.key, post)


def _created(run, before, sent, settle, patience=60):
    """Submissions made since ``before``, once the POSTs in flight when wrk stopped have finished (the count
    has stopped moving for ``settle`` seconds, or reached ``sent``)."""
    deadline = time.monotonic() + patience
    created, steady_since = run.count_submissions() - before, time.monotonic()
    while created < sent and time.monotonic() < deadline and time.monotonic() - steady_since < settle:
        time.sleep(0.1)
        now = run.count_submissions() - before
        if now != created:
            created, steady_since = now, time.monotonic()
    return created


def sample_memory(run, server_key):
    sizes = run.servers[server_key].worker_rss_mb()
    run.memory["samples"].append(
        {
            "uploads": run.memory["uploads"],
            "max_worker_mb": round(max(sizes), 1),
            "workers_mb": [round(s, 1) for s in sizes],
        }
    )


def time_downloads(run, round_number):
    keys = list(run.downloads)
    times = {key: [] for key in keys}
    bad = dict.fromkeys(keys, 0)
    for _n in range(run.mode.downloads):
        for key in keys:
            path, fields, cookies, rows = run.downloads[key]
            server = run.servers[next(s.server for s in run.scenarios if s.key == key)]
            try:
                seconds, status, content_type, content = load.download(server.url, path, fields, cookies)
            except OSError as error:  # e.g. the worker killed at gunicorn's timeout mid-export
                bad[key] += 1
                run.errors.append(f"{key} round {round_number}: {type(error).__name__}: {error}")
                continue
            got = len(list(csv.reader(io.StringIO(content.decode("utf-8-sig", "replace"))))) - 1
            if status != 200 or "csv" not in content_type or got != rows:
                bad[key] += 1
                run.errors.append(f"{key} round {round_number}: {status} {content_type}, {got} rows (wanted {rows})")
            times[key].append(seconds)
    for key in keys:
        if not times[key]:
            continue
        run.results.setdefault(key, {"rounds": []})["rounds"].append(
            {"seconds_each": statistics.median(times[key]), "times": [round(t, 3) for t in times[key]], "bad": bad[key]}
        )


def rounds(run):
    for number in range(1, run.mode.rounds + 1):
        run.say(f"Round {number}/{run.mode.rounds}")
        before = {}
        for scenario in run.scenarios:
            if scenario.tool != "wrk":
                continue
            first = before.get(scenario.server) or baseline(run, scenario.server)
            result = measure(run, scenario, first["rps"])
            after = baseline(run, scenario.server)
            before = {scenario.server: after}
            check_bad(run, f"{scenario.key} round {number}", result)
            entry = _slim(result) | {"baseline_rps": (first["rps"] + after["rps"]) / 2}
            run.results.setdefault(scenario.key, {"rounds": []})["rounds"].append(entry)
            ratio = result["rps"] / entry["baseline_rps"] if entry["baseline_rps"] else 0.0
            run.say(
                f"  {scenario.key:<16} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.1f} ms  ratio {ratio:.2f}"
            )
        if run.downloads:
            time_downloads(run, number)
    more_uploads(run)


def more_uploads(run):
    """PDF uploads until the memory check has seen enough of them (not counted in the rounds' numbers)."""
    pdf = next((s for s in run.scenarios if s.body == "form+pdf"), None)
    while pdf is not None and run.memory["uploads"] < run.mode.memory_uploads:
        before = run.memory["uploads"]
        result = measure(run, pdf, run.results[pdf.key]["rounds"][-1]["rps"])
        check_bad(run, f"{pdf.key} (memory uploads)", result)
        if run.memory["uploads"] == before:
            run.errors.append("the memory check's uploads made no submission")
            break
