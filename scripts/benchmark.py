"""
Benchmark the public pages under gunicorn, as in production (DEBUG off).

The machine's speed drifts, so absolute numbers mean little: every page is
reported as a ratio against ``/healthz`` (no database, no template) measured in
the same run. A page at 0.25 serves a quarter as many requests per second as
the bare health check.

    make bench            # or: .venv/bin/python scripts/benchmark.py --seconds 5
"""

import argparse
import http.client
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

PATHS = [
    "/healthz",
    "/",
    "/es/",
    "/studies/",
    "/studies/?status=recruiting&age=8",
    "/therapies/car-t-cell-therapy/",
    "/refer/",
    "/request-a-visit/",
    "/robots.txt",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hammer(port, path, seconds, threads):
    """Requests per second and latencies for one path, keep-alive clients in threads."""
    stop = time.perf_counter() + seconds
    latencies, errors = [], []
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine, bad = [], 0
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t0)
            if response.status != 200:
                bad += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors.append(bad)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "errors": sum(errors),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--seconds", type=float, default=4.0, help="time per page")
    parser.add_argument("--threads", type=int, default=4, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="cip-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}"),
        "PRIVATE_MEDIA_ROOT": str(workdir / "private"),
        "LOG_LEVEL": "WARNING",
    }
    manage = [PY, str(ROOT / "manage.py")]
    for command in (
        ["migrate", "--noinput"],
        ["createcachetable"],
        ["load_program_content"],
        ["collectstatic", "--noinput"],
    ):
        subprocess.run(manage + command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        for path in PATHS:  # warm up every worker and cache
            hammer(port, path, 0.3, args.threads)
        results = {path: hammer(port, path, args.seconds, args.threads) for path in PATHS}
        baseline = results["/healthz"]["rps"]
        print(
            f"gunicorn {args.workers} workers, {args.threads} clients, {args.seconds:.0f} s per page, {env['DATABASE_URL'].split(':')[0]}"
        )
        print(f"{'path':45} {'req/s':>8} {'ratio':>6} {'p50 ms':>7} {'p95 ms':>7} {'non-200':>7}")
        for path, r in results.items():
            print(
                f"{path:45} {r['rps']:8.0f} {r['rps'] / baseline:6.2f} {r['p50']:7.1f} {r['p95']:7.1f} {r['errors']:7d}"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
