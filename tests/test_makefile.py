"""The Makefile's targets, run as a developer runs them: in a subprocess, from a new shell's environment."""

import os
import re
import shlex
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct-horse-battery-staple-42"


def new_shell_env(**extra):
    """What a new terminal has: none of DEBUG, SECRET_KEY, DATABASE_URL... that `make test` or the reader exported."""
    return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **extra}


def make(*args, cwd=ROOT, **env):
    return subprocess.run(
        ["make", *args], cwd=cwd, env=new_shell_env(**env), capture_output=True, text=True, timeout=180
    )


def printed_command():
    """The command `make run` tells the reader to paste, as its echo prints it (the one indented line)."""
    dry_run = make("-n", "run")
    assert dry_run.returncode == 0, dry_run.stderr
    echoed = [shlex.split(line)[1] for line in dry_run.stdout.splitlines() if line.startswith("echo ")]
    [command] = [text.strip() for text in echoed if text.startswith("    ")]
    return command


def test_the_coordinator_command_make_run_prints_works_in_a_new_shell(tmp_path):
    database = tmp_path / "db.sqlite3"
    database_url = f"sqlite:///{database}"
    developer_db = ROOT / "db.sqlite3"
    developer_db_before = developer_db.stat() if developer_db.exists() else None
    migrate = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "migrate", "--noinput"],
        cwd=ROOT, env=new_shell_env(DEBUG="1", DATABASE_URL=database_url), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr

    command = printed_command()
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=ROOT, env=new_shell_env(DATABASE_URL=database_url, DJANGO_COORDINATOR_PASSWORD=PASSWORD),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    with sqlite3.connect(database) as db:
        users = db.execute(
            "SELECT u.is_staff, u.is_superuser, g.name FROM auth_user u "
            "JOIN auth_user_groups ug ON ug.user_id = u.id JOIN auth_group g ON g.id = ug.group_id"
        ).fetchall()
    assert users == [(1, 0, "Coordinators")]
    if developer_db_before:
        assert developer_db.stat().st_mtime_ns == developer_db_before.st_mtime_ns


def test_make_coordinator_without_a_name_says_how_to_call_it():
    result = make("coordinator", DATABASE_URL="sqlite:////nonexistent/db.sqlite3")
    assert result.returncode != 0
    assert "make coordinator USERNAME=" in result.stdout + result.stderr


def test_the_readme_shows_the_command_make_run_prints():
    assert printed_command() in (ROOT / "README.md").read_text()


# make screenshots: run in a copy of the project, so that nothing here can change the real docs/ or screenshots/.


def readme_shots():
    return re.search(r"^README_SHOTS := (.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE).group(1).split()


@pytest.fixture
def project_copy(tmp_path):
    copy = tmp_path / "project"
    local = {".venv", ".git", "staticfiles", "screenshots", "private_media", "test-results", "db.sqlite3"}
    # Read-only to `make screenshots`, and large (node_modules is 220 MB once `make css` has run): linked, not copied.
    linked = {".venv", "node_modules"}

    def skip(folder, names):
        return [name for name in names if name == "__pycache__" or (Path(folder) == ROOT and name in local | linked)]

    shutil.copytree(ROOT, copy, ignore=skip)  # keeps mtimes: make sees the venv as installed, as it is here
    for name in linked:
        if (ROOT / name).exists():
            (copy / name).symlink_to(ROOT / name)
    return copy


def stale_shots(*folders):
    for folder in folders:
        folder.mkdir(exist_ok=True)
        for shot in readme_shots():
            (folder / f"{shot}-top.png").write_bytes(b"a stale picture from an earlier run")


def docs_shots(project):
    return {path.name: path.read_bytes() for path in (project / "docs" / "screenshots").iterdir()}


def test_make_screenshots_without_chromium_fails_and_copies_nothing(project_copy, tmp_path):
    shot_dir = tmp_path / "shots"
    stale_shots(shot_dir, project_copy / "screenshots")  # the folder asked for, and the default one
    before = docs_shots(project_copy)

    result = make("screenshots", cwd=project_copy, CHROMIUM_PATH="/nonexistent/chromium", SCREENSHOT_DIR=str(shot_dir))

    assert result.returncode != 0, result.stdout
    assert "Chromium is missing" in result.stdout
    assert docs_shots(project_copy) == before


def test_make_screenshots_copies_this_runs_pictures_from_screenshot_dir(project_copy, tmp_path):
    # A stand-in for pytest: checks what make hands the browser tests, then writes the pictures they would.
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "pytest").write_text(
        "#!/bin/sh\n"
        'test "$REQUIRE_BROWSER" = 1 || { echo "REQUIRE_BROWSER not set"; exit 3; }\n'
        f"for shot in {' '.join(readme_shots())}; do\n"
        '  test ! -e "$SCREENSHOT_DIR/$shot-top.png" || { echo "stale $shot left in place"; exit 4; }\n'
        '  printf "fresh %s" "$shot" > "$SCREENSHOT_DIR/$shot-top.png"\n'
        "done\n"
    )
    (fake_bin / "pytest").chmod(0o755)
    shot_dir = tmp_path / "shots"
    stale_shots(shot_dir, project_copy / "screenshots")

    result = make("screenshots", f"BIN={fake_bin}", cwd=project_copy, SCREENSHOT_DIR=str(shot_dir))

    assert result.returncode == 0, result.stdout + result.stderr
    assert docs_shots(project_copy) == {f"{shot}.png": f"fresh {shot}".encode() for shot in readme_shots()}


@pytest.mark.parametrize("port", ["8000", "9123"])
def test_make_run_points_email_links_at_the_port_it_serves(port):
    # The intake notice's admin link is SITE_URL + path: with `PORT=9123 make run` it must say 9123.
    shown = make("-s", "--eval", 'print-site-url: ; @echo "$$SITE_URL"', "print-site-url", f"PORT={port}")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == f"http://127.0.0.1:{port}"


def test_make_run_keeps_a_site_url_the_reader_set():
    shown = make("-s", "--eval", 'print-site-url: ; @echo "$$SITE_URL"', "print-site-url", SITE_URL="https://x.test")
    assert shown.stdout.strip() == "https://x.test"


def test_make_run_serves_the_site_and_starts_the_outbox_worker_and_stops_both(tmp_path):
    """`make run` from a new shell: the site answers, a form's emails are sent by the worker, Ctrl-C ends both."""
    import signal
    import time
    import urllib.request

    from tests.smtp import free_port

    port = free_port()
    env = new_shell_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        PRIVATE_MEDIA_ROOT=str(tmp_path / "media"),
        PORT=str(port),
        OUTBOX_INTERVAL_SECONDS="1",
    )
    server = subprocess.Popen(
        ["make", "run"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("make run did not answer within 120 s")
        workers = subprocess.run(["pgrep", "-f", "-s", str(server.pid), "send_pending_notifications --loop"],
                                 capture_output=True, text=True)  # fmt: skip
        assert workers.stdout.split(), "the outbox worker is not running"
    finally:
        os.killpg(server.pid, signal.SIGINT)  # Ctrl-C in the terminal reaches the whole group
        output, _ = server.communicate(timeout=30)
    assert "Outbox worker started." in output
    assert "Outbox worker stopped." in output
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        left = subprocess.run(["ps", "-o", "pid=,args=", "-s", str(server.pid)], capture_output=True, text=True)
        if not left.stdout.strip():
            break
        time.sleep(0.5)
    assert left.stdout.strip() == "", f"still running after make run stopped: {left.stdout}"
