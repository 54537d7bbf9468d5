"""
Lighthouse scores for pages of a running site, as a phone on a slow connection sees them.

Runs npm's ``lighthouse`` (the exact 12.x version in package.json, installed by ``npm ci`` into
node_modules/) with Debian's Chromium, Lighthouse's defaults otherwise: mobile form factor and
simulated throttling (slow 4G, a 4x slower CPU). Nothing leaves the machine: Chromium's background
traffic is switched off and error reporting is refused, so a run never waits on a host it cannot reach.

    .venv/bin/python -m scripts.lighthouse http://127.0.0.1:8000 / /refer/ /therapies/car-t-cell-therapy/

Serve the site production-style first (DEBUG=0, collectstatic, gunicorn): the development server's
uncompressed, uncached static files score lower than what families get. ``audit()`` is the API the
benchmark scripts import.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME_PATH = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-background-networking --disable-component-update --disable-sync"
CATEGORIES = {
    "performance": "performance",
    "accessibility": "accessibility",
    "best_practices": "best-practices",
    "seo": "seo",
}
TIMEOUT_SECONDS = 180  # one page; a run that waits on the network would hang far longer


class LighthouseError(RuntimeError):
    pass


def report(url: str, *, attempts: int = 2) -> dict:
    """Lighthouse's full JSON report (lhr) for one URL.

    A trace that comes back without a navigation start (NO_NAVSTART, "Please run Lighthouse again")
    happens now and then with a cold Chromium; that run is tried once more.
    """
    for attempt in range(attempts):
        try:
            return _report(url)
        except LighthouseError as exc:
            if "run Lighthouse again" not in str(exc) or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _report(url: str) -> dict:
    if not LIGHTHOUSE.exists():
        raise LighthouseError(f"{LIGHTHOUSE} is missing: run `npm ci` at the repository root.")
    # The report goes to a folder of ours; chrome-launcher makes (and removes) Chromium's profile itself.
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
        out = Path(tmp) / "report.json"
        command = [
            str(LIGHTHOUSE),
            url,
            "--output=json",
            f"--output-path={out}",
            f"--only-categories={','.join(CATEGORIES.values())}",
            f"--chrome-flags={CHROME_FLAGS}",
            "--no-enable-error-reporting",
            "--quiet",
        ]
        env = {**os.environ, "CHROME_PATH": CHROME_PATH}
        # Its own process group, so a run that overstays is stopped with the Chromium it started.
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        try:
            _, stderr = process.communicate(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired as exc:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise LighthouseError(f"lighthouse took over {TIMEOUT_SECONDS}s on {url}") from exc
        if process.returncode != 0 or not out.exists():
            raise LighthouseError(f"lighthouse failed on {url} ({process.returncode}): {stderr.strip()[-2000:]}")
        lhr = json.loads(out.read_text())
    if lhr.get("runtimeError"):
        raise LighthouseError(f"lighthouse could not load {url}: {lhr['runtimeError'].get('message')}")
    return lhr


def summary(path: str, lhr: dict) -> dict:
    """The scores (0-100) and the largest contentful paint (ms) from one report."""
    row = {"path": path}
    for key, category in CATEGORIES.items():
        score = lhr["categories"][category]["score"]
        row[key] = round(score * 100) if score is not None else 0
    row["lcp_ms"] = round(lhr["audits"]["largest-contentful-paint"]["numericValue"])
    return row


def audit(base_url: str, paths: list[str], *, runs: int = 1) -> list[dict]:
    """One row per path: path, performance, accessibility, best_practices, seo (integers 0-100), lcp_ms.

    With runs > 1 each path is measured that many times and the run with the median LCP is kept
    (simulated throttling still depends on how busy the machine's CPU is).
    """
    rows = []
    for path in paths:
        url = base_url.rstrip("/") + "/" + path.lstrip("/")
        results = [summary(path, report(url)) for _ in range(runs)]
        median_lcp = statistics.median_low(r["lcp_ms"] for r in results)
        rows.append(next(r for r in results if r["lcp_ms"] == median_lcp))
    return rows


def table(rows: list[dict]) -> str:
    columns = ["path", "performance", "accessibility", "best_practices", "seo", "lcp_ms"]
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    for row in rows:
        lines.append("  ".join(str(row[c]).ljust(widths[c]) for c in columns))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="where the site runs, e.g. http://127.0.0.1:8000")
    parser.add_argument("paths", nargs="+", help="pages to audit, e.g. / /refer/")
    parser.add_argument("--runs", type=int, default=1, help="runs per page; the median LCP's run is shown")
    args = parser.parse_args(argv)
    try:
        rows = audit(args.base_url, args.paths, runs=args.runs)
    except LighthouseError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
