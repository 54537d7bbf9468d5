"""The numbers: wrk's result line read back, each scenario summed up over its rounds, and the targets checked.

Pure functions over plain dicts, so the tests can feed them made-up rounds.

A round of a wrk scenario is ``{"rps", "p50_ms", "p95_ms", "requests", "bad", "baseline_rps"}``; a round of a
download scenario is ``{"seconds", "bad"}`` (the median full download of that round). ``bad`` counts every
response that was not the expected status, plus socket errors and timeouts.
"""

import json
import statistics

from scripts.bench.plan import SPREAD_WARNING

RESULT_PREFIX = "BENCH_RESULT "


def parse_wrk(output, expect):
    """One wrk run's numbers, from the line bench.lua's ``done()`` prints (wrk's own histogram)."""
    for line in output.splitlines():
        if line.startswith(RESULT_PREFIX):
            raw = json.loads(line[len(RESULT_PREFIX) :])
            break
    else:
        raise ValueError("wrk printed no result line:\n" + output[-2000:])
    statuses = {int(code): count for code, count in raw.get("statuses", {}).items()}
    errors = raw.get("errors", {})
    unexpected = sum(count for code, count in statuses.items() if code != expect)
    socket_errors = sum(errors.get(name, 0) for name in ("connect", "read", "write", "timeout"))
    seconds = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "seconds": round(seconds, 3),
        "rps": raw["requests"] / seconds if seconds else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "statuses": statuses,
        "bad": unexpected + socket_errors,
        "socket_errors": socket_errors,
        "exhausted": bool(raw.get("exhausted")),
        "sent": raw.get("sent", 0),  # POSTs sent with a token (some may still be in flight when wrk stops)
    }


def spread(values):
    """(max - min) / median: how far apart the rounds landed, as a fraction of the middle one."""
    middle = statistics.median(values)
    return (max(values) - min(values)) / middle if middle else 0.0


def round_time(round_):
    """Time per request in a round: the download's seconds, or wrk's median latency.

    The median, not 1 / req/s: in a short window a slow page completes few requests, and the ones still in
    flight when wrk stops are lost from req/s but not from the latencies of those that completed.
    """
    if "seconds_each" in round_:
        return round_["seconds_each"]
    return round_["p50_ms"] / 1000 if round_.get("p50_ms") else float("inf")


def summarize(scenario):
    """Median req/s, p50, p95 and ratio to the baseline, with the ratio's min-max over the rounds."""
    rounds = scenario["rounds"]
    out = {"rounds": len(rounds), "bad": sum(r.get("bad", 0) for r in rounds), "queries": scenario.get("queries")}
    if not rounds:
        return out
    if "seconds_each" in rounds[0]:
        times = [r["seconds_each"] for r in rounds]
        out.update(seconds=statistics.median(times), seconds_min=min(times), seconds_max=max(times))
        return out
    out.update(
        rps=statistics.median(r["rps"] for r in rounds),
        p50_ms=statistics.median(r["p50_ms"] for r in rounds),
        p95_ms=statistics.median(r["p95_ms"] for r in rounds),
    )
    ratios = [r["rps"] / r["baseline_rps"] for r in rounds if r.get("baseline_rps")]
    if ratios:
        out.update(
            ratio=statistics.median(ratios),
            ratio_min=min(ratios),
            ratio_max=max(ratios),
            spread=spread(ratios),
            unsteady=spread(ratios) > SPREAD_WARNING,
        )
    return out


def time_ratios(scenario, other):
    """This scenario's time per request over the other's, round by round (the two ran in the same round)."""
    pairs = zip(scenario["rounds"], other["rounds"], strict=False)
    return [round_time(mine) / round_time(theirs) for mine, theirs in pairs]


def check(target, scenarios, memory=None):
    """One target against the results: ``{"passed": True/False/None, "value": ..., "text": ...}``.

    ``passed`` is None when the scenario did not run (skipped): nothing to judge.
    """
    mine = scenarios.get(target.scenario)
    other = scenarios.get(target.other) if target.other else None
    if mine is None or not mine["rounds"] or (target.other and (other is None or not other["rounds"])):
        return {"passed": None, "value": None, "text": "not run"}
    if target.measure == "ratio":
        value = summarize(mine).get("ratio")
        if value is None:
            return {"passed": False, "value": None, "text": "no baseline measured"}
        return {"passed": value >= target.limit, "value": value, "text": f"{value:.2f} (>= {target.limit})"}
    if target.measure in ("time", "time-each"):
        ratios = time_ratios(mine, other)
        value = max(ratios) if target.measure == "time-each" else statistics.median(ratios)
        word = "worst round" if target.measure == "time-each" else "median"
        return {
            "passed": value <= target.limit,
            "value": value,
            "text": f"{value:.2f}x {word} vs {target.other} (<= {target.limit}x)",
        }
    if target.measure == "queries":
        a, b = mine.get("queries"), other.get("queries")
        if a is None or b is None:
            return {"passed": False, "value": None, "text": "queries not counted"}
        return {"passed": a == b, "value": a, "text": f"{a} vs {b} queries ({target.other})"}
    if target.measure == "rss-growth-mb":
        growth = rss_growth(memory or {})
        if growth is None:
            return {"passed": None, "value": None, "text": "not measured"}
        return {"passed": growth <= target.limit, "value": growth, "text": f"+{growth:.1f} MB (<= {target.limit} MB)"}
    raise ValueError(f"unknown measure {target.measure!r}")


def rss_growth(memory):
    """MB the largest worker grew between the first sample after warm-up and the last one."""
    samples = memory.get("samples", [])
    if len(samples) < 2:
        return None
    return samples[-1]["max_worker_mb"] - samples[0]["max_worker_mb"]


def verdict(checks, errors, enforce):
    """(failed, reasons): errors always fail; a missed target fails only a run that enforces targets."""
    reasons = list(errors)
    missed = [f"{c['target'].scenario}: {c['text']}" for c in checks if c["passed"] is False]
    if enforce:
        reasons += [f"target missed: {text}" for text in missed]
    return bool(reasons), reasons
