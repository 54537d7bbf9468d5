"""`make battery`: the site on production-style servers, under load and faults, proving nothing is lost.

Starts on 127.0.0.1, in a temporary folder: a throwaway PostgreSQL cluster, Redis, SeaweedFS (S3), a mail
server, two gunicorn app servers, the outbox worker, and nginx with deploy/nginx's files. Then:

1. checks that the two app servers act as one (sessions, form tokens, TOTP replay, lockouts, rate limits,
   a coordinator's change seen on the other server);
2. runs senders (families and doctors with PDFs) and coordinators (signed in, reading the queue) through
   nginx, while it restarts PostgreSQL, takes the mail server down and then hangs it, and kills one app
   server (then starts it again);
3. waits for the outbox to drain, compares every confirmed form with the database and the bucket, counts
   the emails, and runs the backup and restore drill.

Prints a table, writes it as JSON (--json), and exits 1 if anything was lost, duplicated or half-written.
`--quick` is the small version `.ci/run` runs.
"""

import argparse
import io
import json
import os
import secrets
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, redirect_stdout
from pathlib import Path

from scripts.battery import checks, traffic
from scripts.battery.services import (
    ROOT,
    VENV_BIN,
    AppServer,
    MailServer,
    Nginx,
    PostgresCluster,
    Process,
    Redis,
    Timeline,
)

FULL = {"senders": 50, "coordinators": 5, "seconds": 60, "sizes_kb": (1024, 2048, 3072, 4096, 5120), "workers": 3}
QUICK = {"senders": 6, "coordinators": 2, "seconds": 20, "sizes_kb": (100, 200, 300), "workers": 2}
PASSWORD = "battery-password-" + secrets.token_hex(8)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small numbers, for CI")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    plan = dict(QUICK if args.quick else FULL)
    workdir = Path(tempfile.mkdtemp(prefix="cip-battery-"))
    print(f"Battery ({'quick' if args.quick else 'full'}): {plan['senders']} senders, {plan['coordinators']} "
          f"coordinators, {plan['seconds']} s; servers in {workdir}", flush=True)  # fmt: skip
    with ExitStack() as stack:
        results = run(plan, workdir, stack)
    failed = report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    if not failed:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"Server logs kept in {workdir}")
    return 1 if failed else 0


def run(plan, workdir, stack):
    from scripts.s3server import SeaweedS3

    pg = PostgresCluster(workdir).start()
    stack.callback(pg.stop)
    redis = Redis(workdir).start()
    stack.callback(redis.stop)
    # Room for everything the senders upload (full run: up to 50 x 60 s of 1-5 MB PDFs).
    s3 = stack.enter_context(SeaweedS3(capacity_mb=16 * 1024))
    mail = MailServer()
    mail.set("up")
    stack.callback(mail.stop)

    env = app_env(pg, redis, s3, mail, workdir)
    os.environ.update(env)
    setup_django()
    accounts = coordinator_accounts(plan["coordinators"] + 3)

    apps = [AppServer(f"app{n}", workdir, env, plan["workers"]) for n in (1, 2)]
    nginx = Nginx(workdir, [app.port for app in apps])
    for process in (*apps, nginx):
        process.start()
        stack.callback(process.stop)
    worker = Process("worker", [str(VENV_BIN / "python"), "manage.py", "send_pending_notifications", "--loop"],
                     workdir=workdir, env=env).start()  # fmt: skip
    stack.callback(worker.stop)

    print("Checking that the two app servers act as one...", flush=True)
    across = checks.across_servers(apps, accounts[-3:])

    print(f"Load for {plan['seconds']} s with faults...", flush=True)
    stats, sent, log = traffic.Stats(), [], []
    documents = [traffic.pdf_of_size(kb * 1024, seed=kb) for kb in plan["sizes_kb"]]
    started = time.monotonic()
    deadline = started + plan["seconds"]
    timeline = faults(plan["seconds"], pg, mail, apps[0])
    fault_thread = timeline.run(started)
    threads = [
        threading.Thread(
            target=traffic.sender,
            args=(n, nginx.url, stats, deadline, 45, documents, sent, ["refer", "request-a-visit"]),
        )  # fmt: skip
        for n in range(plan["senders"])
    ] + [
        threading.Thread(target=traffic.coordinator, args=(n, nginx.url, stats, deadline, accounts[n], log))
        for n in range(plan["coordinators"])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fault_thread.join(timeout=60)
    load_seconds = time.monotonic() - started

    print("Waiting for the outbox to drain...", flush=True)
    mail.set("up")
    from django.db import connections

    connections.close_all()  # the battery's own connection did not survive the restart either
    waiting = checks.wait_for_outbox(timeout=90)
    integrity = checks.integrity(sent, s3)
    # Files a killed server wrote but never committed: the hourly sweep's job, run now (nothing is in flight).
    from django.core.management import call_command

    with redirect_stdout(io.StringIO()):
        call_command("remove_orphan_files", older_than=0)
    integrity["orphan objects after the sweep"] = len(checks.orphans(s3))
    email = checks.emails(mail, waiting)
    drill = backup_drill(workdir)
    return {
        "plan": {key: value for key, value in plan.items()},
        "load_seconds": round(load_seconds, 1),
        "faults": timeline.log,
        "across_servers": across,
        "http": stats.summary(),
        "by_page": stats.by_category(),
        "integrity": integrity,
        "email": email,
        "backup_drill": drill,
        "coordinator_sessions": {
            "sign-ins": sum(1 for e in log if e[0] == "signed in"),
            "signed out": sum(1 for e in log if e[0] == "signed out"),
        },  # fmt: skip
        "access_log_tokens": token_leaks(nginx),
    }


def faults(seconds, pg, mail, app):
    """The faults, spread over the run: database restart, mail down then hung then up, an app server killed."""
    timeline = Timeline()
    timeline.at(seconds * 0.15, "PostgreSQL restarted", pg.restart)
    timeline.at(seconds * 0.30, "mail server down", lambda: mail.set("down"))
    timeline.at(seconds * 0.45, "mail server hung", lambda: mail.set("hung"))
    timeline.at(seconds * 0.60, "app server 1 killed (SIGKILL)", app.kill)
    timeline.at(seconds * 0.70, "mail server up", lambda: mail.set("up"))
    timeline.at(seconds * 0.75, "app server 1 started again", app.start)
    return timeline


def app_env(pg, redis, s3, mail, workdir):
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(workdir)),
        "DEBUG": "0",
        "SECRET_KEY": "battery-" + secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "http://127.0.0.1",
        # Plain HTTP on loopback: no redirect to HTTPS (production's proxy terminates TLS).
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "TRUSTED_PROXY_COUNT": "1",
        "DATABASE_URL": pg.url,
        "CONN_MAX_AGE": "60",
        "CACHE_URL": redis.url,
        "CACHE_KEY_PREFIX": "battery",
        **s3.env(),
        "PRIVATE_MEDIA_ROOT": str(workdir / "unused-local-media"),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(mail.port),
        "EMAIL_TIMEOUT": "3",
        "OUTBOX_INTERVAL_SECONDS": "1",
        "OUTBOX_RETRY_BASE_SECONDS": "2",
        "OUTBOX_RETRY_MAX_SECONDS": "8",
        "OUTAGE_RETRY_AFTER_SECONDS": "2",
        # Every simulated family shares 127.0.0.1: the per-client form limit would stop them, not a flood.
        "RATELIMIT_POSTS": "1000000",
        "LOG_LEVEL": "WARNING",
        "BACKUP_DIR": str(workdir / "backups"),
    }


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command

    django.setup()
    with redirect_stdout(io.StringIO()):
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("load_program_content", verbosity=0)


def coordinator_accounts(count):
    """Coordinators with a password and a confirmed authenticator whose codes the battery can compute."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.referrals.factories import make_coordinator

    accounts = []
    for n in range(count):
        user = make_coordinator(f"battery{n}", password=PASSWORD)
        device = TOTPDevice.objects.create(user=user, name="battery", confirmed=True)

        def code(device=device):
            totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
            return f"{totp.token():0{device.digits}d}"

        accounts.append({"username": user.username, "password": PASSWORD, "totp": code})
    return accounts


def backup_drill(workdir):
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    target = workdir / "backup"
    try:
        call_command("backup", to=str(target), stdout=out)
        call_command("restore_drill", source=str(target), stdout=out, stderr=out)
        passed = True
    except CommandError as error:
        out.write(f"{error}\n")
        passed = False
    return {"passed": passed, "output": out.getvalue().strip().splitlines()}


def token_leaks(nginx):
    """Lines of nginx's access log that hold a secret link's token (there must be none)."""
    import re

    text = nginx.access_log.read_text() if nginx.access_log.exists() else ""
    return sum(1 for line in text.splitlines() if re.search(r"/received/(?!\[token\])", line))


def report(results):
    """Print the table; return True when something failed."""
    http, integrity, email = results["http"], results["integrity"], results["email"]
    rows = [
        ("requests", http["requests"]),
        ("forms confirmed", integrity["confirmed"]),
        ("rows", integrity["rows"]),
        ("files checked", integrity["files checked"]),
        ("lost", integrity["lost"]),
        ("duplicated", integrity["duplicated"]),
        ("half-written", integrity["half-written"]),
        (
            "orphan objects (left by the killed server) / after the sweep",
            f"{integrity['orphan objects']} / {integrity['orphan objects after the sweep']}",
        ),  # fmt: skip
        ("hash mismatches", integrity["hash mismatches"]),
        (
            "5xx (502 / 503 / 504 / 500)",
            f"{http['5xx']} ({http['502']} / {http['503']} / {http['504']} / {http['500']})",
        ),
        ("connection errors", http["connection_errors"]),
        ("p50 / p95 (ms)", f"{http['p50_ms']} / {http['p95_ms']}"),
        ("emails: outbox rows / delivered", f"{email['outbox rows']} / {email['emails delivered']}"),
        ("emails duplicated / still waiting", f"{email['emails duplicated']} / {email['still waiting']}"),
        ("tokens in the access log", results["access_log_tokens"]),
        ("backup drill", "passed" if results["backup_drill"]["passed"] else "FAILED"),
    ]
    print("\n| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print("\n| page | requests | p50 ms | p95 ms |\n|---|---|---|---|")
    for page, numbers in results["by_page"].items():
        print(f"| {page} | {numbers['requests']} | {numbers['p50_ms']} | {numbers['p95_ms']} |")
    print("\nFaults (second, what, outcome, took s):")
    for at, name, outcome, took in results["faults"]:
        print(f"  {at:>5} {name}: {outcome} ({took} s)")
    print("Two servers as one:")
    for name, passed, detail in results["across_servers"]:
        print(f"  {'pass' if passed else 'FAIL'}  {name}" + (f"  [{detail}]" if not passed and detail else ""))
    for line in integrity["_details"]:
        print(f"  ! {line}")
    problems = [
        integrity["lost"],
        integrity["duplicated"],
        integrity["half-written"],
        integrity["orphan objects after the sweep"],
        integrity["hash mismatches"],
        http["500"],
        email["emails duplicated"],
        email["still waiting"],
        email["outbox rows"] != email["emails delivered"],
        results["access_log_tokens"],
        not results["backup_drill"]["passed"],
        integrity["confirmed"] == 0,
        any(not passed for _name, passed, _detail in results["across_servers"]),
        any(not outcome.startswith("done") for _at, _name, outcome, _took in results["faults"]),
    ]
    failed = any(problems)
    print("\nNOTHING LOST: every confirmed form is whole, once." if not failed else "\nBATTERY FAILED: see above.")
    return failed


if __name__ == "__main__":
    sys.exit(main())
