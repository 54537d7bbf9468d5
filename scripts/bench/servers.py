"""The app servers the benchmark loads: gunicorn with production settings, one per database and cache setting.

gunicorn, Redis and the process handling come from scripts/battery/services.py. wrk talks to gunicorn
directly (no nginx), so what is measured is the application and nothing in front of it.
"""

import os
import secrets
import socket
from contextlib import suppress
from pathlib import Path

from scripts.battery.services import HOST, AppServer, Process, Redis, wait_for_port
from scripts.bench.plan import GUNICORN_WORKERS

MACHINE_REDIS = ("127.0.0.1", 6379)
REDIS_DB = 11  # the benchmark's own Redis database; its keys also carry a prefix new for each run


def redis_url(workdir, stack):
    """The machine's Redis (database REDIS_DB) when it answers; else one of our own, as the battery starts it."""
    with suppress(OSError), socket.create_connection(MACHINE_REDIS, timeout=1) as sock:
        sock.sendall(b"PING\r\n")
        if sock.recv(16).startswith(b"+PONG"):
            return f"redis://{MACHINE_REDIS[0]}:{MACHINE_REDIS[1]}/{REDIS_DB}"
    redis = Redis(workdir).start()
    stack.callback(redis.stop)
    return redis.url


def app_env(*, database_url, cache_url, cache_prefix, secret_key, workdir, media_root, **extra):
    """The environment of every server, and of the bench's own in-process requests (same settings)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(workdir)),
        "DEBUG": "0",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "http://127.0.0.1",
        # Plain HTTP on loopback, as the battery: no redirect to HTTPS (production's nginx terminates TLS).
        # The bench hands wrk its cookies itself, so their Secure flag does not matter.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "600",  # as production: one connection per worker, kept
        "CACHE_URL": cache_url,
        "CACHE_KEY_PREFIX": cache_prefix,
        # Every wrk connection is one client at 127.0.0.1: the per-client form limit would stop the load.
        "RATELIMIT_POSTS": "100000000",
        # The signed-in scenarios reuse one session for the whole run (the idle timeout is 15 minutes).
        "SESSION_IDLE_TIMEOUT_SECONDS": str(6 * 3600),
        # Kept with the kept databases (the generated rows name files there); the site servers' uploads go to
        # the run's own folder instead (setup.build), removed with it.
        "PRIVATE_MEDIA_ROOT": str(media_root),
        # Nothing is sent during a run (the outbox worker is not started); this only keeps mail local.
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": "9",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def new_secret():
    return "bench-" + secrets.token_urlsafe(48)


class BenchServer(AppServer):
    """gunicorn with GUNICORN_WORKERS sync workers, as cip-web.service runs it, and its workers' memory."""

    def __init__(self, name, workdir, env, database):
        super().__init__(name, workdir, env, GUNICORN_WORKERS)
        self.database = database  # the key of the database it serves (see databases.Databases)
        self.url = f"http://{HOST}:{self.port}"

    def launch(self):
        """Start without waiting (the servers boot side by side); ``wait`` until it listens."""
        Process.start(self)
        return self

    def wait(self):
        wait_for_port(self.port, timeout=120, process=self.popen, what=self.name)
        return self

    def worker_pids(self):
        master = self.popen.pid
        path = Path(f"/proc/{master}/task/{master}/children")
        if path.exists():
            return [int(pid) for pid in path.read_text().split()]
        return [  # kernels without the children file: scan every process's parent
            int(stat.parent.name) for stat in Path("/proc").glob("[0-9]*/stat") if _parent(stat) == master
        ]

    def worker_rss_mb(self):
        """Resident memory of each worker (VmRSS from /proc), in MB."""
        sizes = []
        for pid in self.worker_pids():
            with suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]) / 1024)
        return sizes


def _parent(stat_path):
    with suppress(OSError, IndexError, ValueError):
        return int(stat_path.read_text().rsplit(")", 1)[1].split()[1])
    return None
