"""The real servers the battery starts on 127.0.0.1, each in the battery's own temporary folder.

A throwaway PostgreSQL cluster (never the machine's shared one), a Redis, nginx with the project's own
deploy/nginx files, gunicorn app servers, the outbox worker, and a mail server that can be up, down or
hung. Each process gets its own process group, so a kill takes its workers with it.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_port(port, timeout=30, process=None, what="server"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout} s")


class Process:
    """A child process in its own session (process group), its output in a log file."""

    def __init__(self, name, args, *, workdir, env=None, cwd=ROOT):
        self.name, self.args, self.env, self.cwd = name, args, env, cwd
        self.log_path = Path(workdir) / f"{name}.log"
        self.popen = None

    def start(self):
        log = open(self.log_path, "ab")  # noqa: SIM115 (kept open for the child's lifetime)
        self.popen = subprocess.Popen(
            self.args, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def signal(self, signum):
        if self.popen and self.popen.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signum)

    def stop(self, timeout=20):
        if not self.popen or self.popen.poll() is not None:
            return
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.popen.wait(5)

    def kill(self):
        """SIGKILL to the whole group: the master and every worker die at once, mid-request."""
        self.signal(signal.SIGKILL)
        if self.popen:
            self.popen.wait(5)


class PostgresCluster:
    """A new PostgreSQL cluster on a free port, trust authentication on 127.0.0.1, removed at the end."""

    def __init__(self, workdir):
        self.dir = Path(workdir) / "pg"
        self.port = free_port()
        self.bindir = Path(subprocess.check_output(["pg_config", "--bindir"], text=True).strip())
        self.log = Path(workdir) / "postgres.log"

    def _run(self, *args):
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self):
        self.dir.mkdir(parents=True)
        self.log.touch()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            shutil.chown(self.log, "postgres")
            os.chmod(self.dir.parent, 0o711)  # noqa: S103 (the postgres user must reach its data folder)
        self._run("initdb", "-D", str(self.dir), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self.pg_ctl("start")
        self.url = f"postgres://postgres@{HOST}:{self.port}/cip_battery"
        subprocess.run(
            [str(self.bindir / "createdb"), "-h", HOST, "-p", str(self.port), "-U", "postgres", "cip_battery"],
            check=True,
            capture_output=True,
        )
        return self

    def pg_ctl(self, action):
        options = f"-p {self.port} -c listen_addresses={HOST} -k {self.dir} -c fsync=off -c max_connections=200"
        extra = ["-m", "fast"] if action in ("restart", "stop") else []
        self._run("pg_ctl", action, "-D", str(self.dir), "-w", "-t", "60", "-l", str(self.log), "-o", options, *extra)

    def restart(self):
        self.pg_ctl("restart")

    def stop(self):
        with suppress(Exception):
            self.pg_ctl("stop")


class Redis(Process):
    def __init__(self, workdir):
        self.port = free_port()
        super().__init__(
            "redis",
            ["redis-server", "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no"],
            workdir=workdir,
        )

    def start(self):
        super().start()
        wait_for_port(self.port, process=self.popen, what="redis-server")
        self.url = f"redis://{HOST}:{self.port}/0"
        return self


class AppServer(Process):
    """gunicorn serving config.wsgi, as cip-web.service runs it."""

    def __init__(self, name, workdir, env, workers):
        self.port = free_port()
        args = [str(VENV_BIN / "gunicorn"), "config.wsgi", "--workers", str(workers), "--bind", f"{HOST}:{self.port}",
                "--timeout", "60", "--graceful-timeout", "10"]  # fmt: skip
        super().__init__(name, args, workdir=workdir, env=env)

    def start(self):
        super().start()
        wait_for_port(self.port, timeout=60, process=self.popen, what=self.name)
        return self


class Nginx(Process):
    """nginx with deploy/nginx/cip-http.conf and cip-proxy.conf, the production files, in front of the app servers.

    Only the server block differs from deploy/nginx/cip.conf: plain HTTP on a loopback port (no certificate)
    and the upstream's addresses.
    """

    def __init__(self, workdir, upstream_ports):
        self.port = free_port()
        self.workdir = Path(workdir) / "nginx"
        self.workdir.mkdir()
        servers = "\n".join(f"        server {HOST}:{port} max_fails=1 fail_timeout=5s;" for port in upstream_ports)
        conf = f"""
worker_processes 2;
daemon off;
pid {self.workdir}/nginx.pid;
error_log {self.workdir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {self.workdir}/body;
    proxy_temp_path {self.workdir}/proxy;
    fastcgi_temp_path {self.workdir}/fastcgi;
    uwsgi_temp_path {self.workdir}/uwsgi;
    scgi_temp_path {self.workdir}/scgi;
    include {ROOT}/deploy/nginx/cip-http.conf;
    upstream cip_app {{
{servers}
        keepalive 16;
    }}
    server {{
        listen {HOST}:{self.port};
        server_name localhost;
        access_log {self.workdir}/access.log cip_masked;
        include {ROOT}/deploy/nginx/cip-proxy.conf;
    }}
}}
"""
        self.conf = self.workdir / "nginx.conf"
        self.conf.write_text(conf)
        super().__init__("nginx", ["nginx", "-c", str(self.conf)], workdir=workdir)

    def check(self):
        subprocess.run(["nginx", "-t", "-q", "-c", str(self.conf)], check=True, capture_output=True)

    def start(self):
        self.check()
        super().start()
        wait_for_port(self.port, process=self.popen, what="nginx")
        self.url = f"http://{HOST}:{self.port}"
        return self

    @property
    def access_log(self):
        return self.workdir / "access.log"


class MailServer:
    """An SMTP server on one port that the battery turns up, down (nothing listens) or hung (never answers)."""

    def __init__(self):
        self.port = free_port()
        self.state = "down"
        self._stack = None
        self.inboxes = []

    def set(self, state):
        from contextlib import ExitStack

        from tests.smtp import hung_server, smtp_server

        if state == self.state:
            return
        if self._stack is not None:
            self._stack.close()
            self._stack = None
        if state == "up":
            self._stack = ExitStack()
            self.inboxes.append(self._stack.enter_context(smtp_server(self.port)))
        elif state == "hung":
            self._stack = ExitStack()
            self._stack.enter_context(hung_server(self.port))
        self.state = state

    @property
    def messages(self):
        return [message for inbox in self.inboxes for message in inbox.messages]

    def stop(self):
        self.set("down")


class Timeline:
    """Faults at given seconds from the start of the load, each run in order on its own thread."""

    def __init__(self):
        self.events, self.log = [], []

    def at(self, seconds, name, action):
        self.events.append((seconds, name, action))

    def run(self, started):
        def play():
            for seconds, name, action in sorted(self.events, key=lambda event: event[0]):
                time.sleep(max(0.0, started + seconds - time.monotonic()))
                began = time.monotonic()
                try:
                    action()
                    outcome = "done"
                except Exception as exc:  # a fault that could not be injected is reported, not hidden
                    outcome = f"failed: {type(exc).__name__}: {exc}"
                self.log.append((round(began - started, 1), name, outcome, round(time.monotonic() - began, 1)))

        thread = threading.Thread(target=play, daemon=True)
        thread.start()
        return thread
