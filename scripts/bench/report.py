"""The machine the numbers came from, and the numbers as Markdown (docs/bench-latest.md) and JSON."""

import os
import platform
import subprocess
from pathlib import Path

from scripts.bench import plan, stats

ROOT = Path(__file__).resolve().parents[2]


def machine(database_version):
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    memory_kb = next(
        (int(line.split()[1]) for line in _read("/proc/meminfo").splitlines() if line.startswith("MemTotal")), 0
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "database": database_version,
        "git_commit": _git("rev-parse", "--short=12", "HEAD")
        + (" (with changes)" if _git("status", "--porcelain") else ""),
        "python": platform.python_version(),
        "wrk": _command(["wrk", "--version"]).splitlines()[0] if _command(["wrk", "--version"]) else "missing",
        "load_average": list(os.getloadavg()),
    }


def _read(path):
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _git(*args):
    return _command(["git", "-C", str(ROOT), *args]).strip()


def _command(args):
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def _num(value, digits=2):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def markdown(report):
    """The whole report as Markdown: setup, the scenarios' table, the targets, and what was skipped."""
    m, setup = report["machine"], report["setup"]
    lines = [
        f"# Benchmark ({report['mode']})",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; {m['database']}; commit {m['git_commit']}; "
        f"load average at the start {', '.join(f'{x:.2f}' for x in m['load_average'])}.",
        "",
        f"Load: wrk, {plan.WRK_THREADS} thread, {plan.WRK_CONNECTIONS} connections, {setup['seconds']} s per "
        f"measurement, {setup['rounds']} rounds; gunicorn, {plan.GUNICORN_WORKERS} sync workers, DEBUG off, Redis "
        f"cache. Queue databases: {setup['small']:,} and {setup['large']:,} submissions. Baseline: "
        f"`{plan.BASELINE_PATH}` on the same server, measured just before and just after each scenario.",
        "",
    ]
    if not report["enforce"]:
        lines += ["**Quick run: checks that everything runs without errors; targets are shown, not enforced.**", ""]
    lines += [
        "| scenario | req/s | p50 ms | p95 ms | ratio (min–max) | queries | errors |",
        "|---|---:|---:|---:|---|---:|---:|",
    ]
    for scenario in report["scenarios"].values():
        s = scenario["summary"]
        if "seconds" in s:
            rate = f"{s['seconds'] * 1000:,.0f} ms per download"
            lines.append(f"| {scenario['label']} | {rate} | – | – | – | {_queries(s)} | {s['bad']} |")
            continue
        ratio = "–"
        if s.get("ratio") is not None:
            ratio = f"{s['ratio']:.2f} ({s['ratio_min']:.2f}–{s['ratio_max']:.2f})" + (
                " ⚠ unsteady" if s["unsteady"] else ""
            )
        lines.append(
            f"| {scenario['label']} | {_num(s.get('rps'), 1)} | {_num(s.get('p50_ms'), 1)} | {_num(s.get('p95_ms'), 1)} "
            f"| {ratio} | {_queries(s)} | {s['bad']} |"
        )
    for server, rps in report["baselines"].items():
        lines.append(f"| baseline `{plan.BASELINE_PATH}` ({server} server) | {_num(rps, 1)} | | | 1.00 | | |")
    lines += ["", "| target | result | |", "|---|---|---|"]
    for row in report["targets"]:
        mark = {True: "pass", False: "MISSED", None: "not run"}[row["passed"]]
        lines.append(f"| {row['scenario']}: {row['why']} | {row['text']} | {mark} |")
    from scripts.bench import breakdown

    ratios = {key: scenario["summary"].get("ratio") for key, scenario in report["scenarios"].items()}
    lines += breakdown.markdown(report.get("breakdown"), plan.TARGETS, ratios)
    memory = report.get("memory") or {}
    if memory.get("samples"):
        series = ", ".join(f"{s['uploads']}: {s['max_worker_mb']:.0f}" for s in memory["samples"])
        lines += ["", f"Workers' memory over PDF uploads (uploads: largest worker's RSS, MB): {series}."]
    lines += ["", f"Lighthouse: {report['lighthouse']['text']}"]
    for row in report["lighthouse"].get("rows", []):
        lines.append(
            f"- `{row['path']}`: performance {row['performance']}, accessibility {row['accessibility']}, "
            f"best practices {row['best_practices']}, SEO {row['seo']}, LCP {row['lcp_ms']:.0f} ms"
        )
    if report["skipped"]:
        lines += ["", "Skipped: " + "; ".join(f"{key} ({why})" for key, why in report["skipped"].items())]
    lines += ["", "Queries per request: counted once per scenario in-process (django.test.Client, same settings, "
              "same database and cache, CaptureQueriesContext; a GET counted on its second request)."]  # fmt: skip
    if report["errors"]:
        lines += ["", "Errors:", *[f"- {error}" for error in report["errors"]]]
    lines += ["", ("**FAILED**: " + "; ".join(report["reasons"])) if report["failed"] else "**Passed.**", ""]
    return "\n".join(lines)


def _queries(summary):
    return "–" if summary.get("queries") is None else str(summary["queries"])


def lighthouse_verdict(rows):
    """Reasons a full run fails on Lighthouse's scores (empty when every page is at 100 and fast enough)."""
    problems = []
    for row in rows:
        for category in ("performance", "accessibility", "best_practices", "seo"):
            if row[category] is None or row[category] < plan.LIGHTHOUSE_MIN_SCORE:
                problems.append(f"Lighthouse {row['path']} {category} {row[category]}")
        if row["lcp_ms"] is None or row["lcp_ms"] > plan.LIGHTHOUSE_MAX_LCP_MS:
            problems.append(f"Lighthouse {row['path']} LCP {row['lcp_ms']} ms")
    return problems


def assemble(
    *, mode, setup, machine_info, scenarios, results, baselines, memory, skipped, errors, lighthouse, breakdown=None
):
    """The report's dict (what --json writes), with every summary and target checked."""
    import statistics

    report_scenarios = {}
    for scenario in scenarios:
        if scenario.key in results:
            entry = dict(results[scenario.key])
            report_scenarios[scenario.key] = {
                "label": scenario.label,
                "server": scenario.server,
                "path": scenario.path if "?" not in scenario.path else scenario.path.split("?")[0] + "?…",
                "summary": stats.summarize(entry),
                "rounds": entry["rounds"],
            }
    checks = [
        {"target": target, **stats.check(target, results, memory)}
        for target in plan.TARGETS
        if target.scenario not in skipped
    ]
    all_errors = list(errors)
    if mode.enforce:
        all_errors += lighthouse.get("problems", [])
    failed, reasons = stats.verdict(checks, all_errors, mode.enforce)
    return {
        "mode": mode.name,
        "enforce": mode.enforce,
        "setup": setup,
        "machine": machine_info,
        "scenarios": report_scenarios,
        "baselines": {server: statistics.median(r["rps"] for r in rows) for server, rows in baselines.items()},
        "targets": [
            {
                "scenario": c["target"].scenario,
                "measure": c["target"].measure,
                "limit": c["target"].limit,
                "other": c["target"].other,
                "why": c["target"].why,
                "passed": c["passed"],
                "value": c["value"],
                "text": c["text"],
            }  # fmt: skip
            for c in checks
        ],
        "memory": memory,
        "lighthouse": {key: value for key, value in lighthouse.items() if key != "problems"},
        "breakdown": breakdown or {},
        "skipped": skipped,
        "errors": errors,
        "failed": failed,
        "reasons": reasons,
    }
