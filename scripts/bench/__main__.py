"""`make bench`: the site's speed as ratios against a plain view, measured the same way every time.

    python -m scripts.bench [--quick] [--json FILE] [--markdown FILE] [--submissions N] [--fresh] [--sqlite]

Starts gunicorn (2 sync workers, DEBUG off, Redis cache) against the benchmark's own databases
(PostgreSQL's cip_bench_*, or SQLite files when PostgreSQL does not answer or with --sqlite), loads each
scenario with wrk interleaved with the baseline (/robots.txt) round by round, counts each scenario's SQL
queries in-process, and checks the targets in scripts/bench/plan.py. Writes docs/bench-latest.json and .md
(a quick run: cip-bench-quick.json and .md in the temp folder).
A full run exits 1 when a target is missed; --quick (small data, 2 short rounds, for CI) fails only on errors.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from scripts.bench import plan, report

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cip-bench"


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small data, 2 short rounds; fails on errors only")
    # A quick run's numbers say nothing about speed: they never replace the full run's files in docs/.
    parser.add_argument("--json", help="write the results here (docs/bench-latest.json; quick: in the temp folder)")
    parser.add_argument("--markdown", help="write the table here (docs/bench-latest.md; quick: in the temp folder)")
    parser.add_argument("--submissions", type=int, help="submissions in the large queue database (full: 1,000,000)")
    parser.add_argument("--rounds", type=int, help="rounds (full: 5, quick: 2)")
    parser.add_argument("--seconds", type=int, help="seconds per measurement (full: 6, quick: 1)")
    parser.add_argument("--fresh", action="store_true", help="generate the kept queue databases again")
    parser.add_argument("--sqlite", action="store_true", help="SQLite files even when PostgreSQL answers")
    parser.add_argument("--data-dir", default=str(DATA_DIR), help="where SQLite databases are kept")
    return parser.parse_args(argv)


STARTED = time.monotonic()


def say(text):
    print(f"[{time.monotonic() - STARTED:5.0f} s] {text}", flush=True)


def main(argv=None):
    args = parse(argv)
    out = Path(tempfile.gettempdir()) / "cip-bench-quick" if args.quick else ROOT / "docs" / "bench-latest"
    args.json = args.json or f"{out}.json"
    args.markdown = args.markdown or f"{out}.md"
    # A TERM (CI's timeout, kill) unwinds like an error, so every server started is stopped.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    mode = plan.QUICK if args.quick else plan.FULL
    mode = replace(mode, large=args.submissions or mode.large, rounds=args.rounds or mode.rounds,
                   seconds=args.seconds or mode.seconds)  # fmt: skip
    workdir = Path(tempfile.mkdtemp(prefix="cip-bench-"))
    say(f"Benchmark ({mode.name}{'' if mode.enforce else ': targets not enforced'}), work folder {workdir}")
    with ExitStack() as stack:
        result = run(mode, args, workdir, stack)
    text = report.markdown(result)
    if not result["failed"]:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        say(f"Server logs kept in {workdir}")
    say("\n" + text)
    for path, content in ((args.json, json.dumps(result, indent=2, default=str)), (args.markdown, text)):
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(content + "\n")
    return 1 if result["failed"] else 0


def run(mode, args, workdir, stack):
    from scripts.bench import databases, servers

    dbs = databases.Databases.detect(args.data_dir, force_sqlite=args.sqlite)
    skipped = {}
    if dbs.backend == "sqlite":
        skipped = {s.key: "SQLite: no large queue database" for s in plan.SCENARIOS if s.large_only}
        say(f"SQLite (PostgreSQL {'not asked for' if args.sqlite else 'not reachable'}): skipping {', '.join(skipped)}")
    env = servers.app_env(database_url="", cache_url=servers.redis_url(workdir, stack),
                          cache_prefix="cipbench-" + secrets.token_hex(4), secret_key=servers.new_secret(),
                          workdir=workdir, media_root=Path(args.data_dir) / "private-media")  # fmt: skip
    machine = report.machine(dbs.server_version())
    setup_django(env, dbs.url(f"{databases.PREFIX}_site"))
    urls = databases.prepare(dbs, small=mode.small, large=mode.large, seed=plan.SEED, fresh=args.fresh, say=say)
    from scripts.bench import setup

    context = setup.build(mode, urls, env, workdir, stack, skipped, say)
    from scripts.bench import runner

    say(f"Measuring: {mode.rounds} rounds, {mode.seconds} s each, wrk -t{plan.WRK_THREADS} -c{plan.WRK_CONNECTIONS}")
    runner.rounds(context)
    split = _breakdown(context, urls, say)
    lighthouse = setup.lighthouse(setup.behind_nginx(context.servers["site"], workdir, stack), mode, say)
    return report.assemble(
        mode=mode,
        setup={
            "rounds": mode.rounds,
            "seconds": mode.seconds,
            "small": mode.small,
            "large": mode.large,
            "backend": dbs.backend,
            "export_rows": list(mode.export_sizes),
        },  # fmt: skip
        machine_info=machine,
        scenarios=context.scenarios,
        results=context.results,
        baselines=context.baselines,
        memory=context.memory,
        skipped=skipped,
        errors=context.errors,
        lighthouse=lighthouse,
        breakdown=split,
    )


def _breakdown(context, urls, say):
    """Where the time goes, in-process (scripts/bench/breakdown.py); an error there is reported, not fatal."""
    from scripts.battery.traffic import pdf_of_size
    from scripts.bench import breakdown, databases, setup

    databases.use(urls["site"])
    baseline_rps = statistics.median(r["rps"] for rows in context.baselines.values() for r in rows)
    try:
        pdf = pdf_of_size(setup.PDF_BYTES, seed=1)
        return breakdown.run(context.scenarios, context.poster, pdf, say, baseline_rps)
    except Exception as error:  # noqa: BLE001 - shown with the errors; the measurements stand
        context.errors.append(f"where the time goes: {type(error).__name__}: {error}")
        return {}


def setup_django(env, site_url):
    """This process gets the servers' settings, so its in-process requests count what theirs run."""
    os.environ.update(env, DATABASE_URL=site_url, DJANGO_SETTINGS_MODULE="config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from scripts.bench.databases import quietly

    quietly("collectstatic", interactive=False)


if __name__ == "__main__":
    sys.exit(main())
