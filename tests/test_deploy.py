"""deploy/: the nginx files the battery runs, the systemd units and the example environment, checked for drift."""

import re
import shutil
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def settings_read():
    text = (ROOT / "config" / "settings.py").read_text()
    return set(re.findall(r'env(?:_int|_bool|_list)?\("([A-Z0-9_]+)"', text))


def test_every_variable_in_the_example_environment_is_one_the_site_reads():
    names = {
        line.split("=", 1)[0]
        for line in (DEPLOY / "cip.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert names - settings_read() == {"CIP_BIND"}  # read by cip-web.service, not by Django
    assert {"SECRET_KEY", "DATABASE_URL", "CACHE_URL", "S3_BUCKET", "ALLOWED_HOSTS", "TRUSTED_PROXY_COUNT"} <= names


@pytest.mark.parametrize("unit", sorted(path.name for path in (DEPLOY / "systemd").glob("*.service")))
def test_each_unit_runs_a_command_that_exists(unit):
    text = (DEPLOY / "systemd" / unit).read_text()
    (exec_start,) = re.findall(r"^ExecStart=(.+)$", text, flags=re.MULTILINE)
    for command in re.findall(r"manage\.py (\w+)", exec_start):
        assert command in get_commands(), f"{unit}: manage.py {command} does not exist"
    if "gunicorn" in exec_start:
        assert "config.wsgi" in exec_start and "${CIP_BIND}" in exec_start
    assert "EnvironmentFile=/etc/cip/cip.env" in text
    assert "User=cip" in text and "NoNewPrivileges=true" in text


def test_each_timer_has_its_service():
    for timer in (DEPLOY / "systemd").glob("*.timer"):
        assert (timer.with_suffix(".service")).exists(), timer.name


def test_the_production_site_includes_the_shared_rules():
    site = (DEPLOY / "nginx" / "cip.conf").read_text()
    assert "include /etc/nginx/cip/cip-proxy.conf;" in site
    assert site.count("access_log /var/log/nginx/cip-access.log cip_masked;") == 2


@pytest.mark.skipif(shutil.which("nginx") is None, reason="needs Debian's nginx (apt-get install -y nginx)")
def test_nginx_accepts_the_configuration_the_battery_runs(tmp_path):
    from scripts.battery.services import Nginx

    nginx = Nginx(tmp_path, [8001, 8002])
    nginx.check()
    conf = nginx.conf.read_text()
    assert f"include {ROOT}/deploy/nginx/cip-proxy.conf;" in conf
    assert f"include {ROOT}/deploy/nginx/cip-http.conf;" in conf


@pytest.mark.skipif(shutil.which("nginx") is None, reason="needs Debian's nginx (apt-get install -y nginx)")
def test_the_access_log_masks_secret_links(tmp_path):
    """The map in cip-http.conf, run by nginx itself: a request for a records link is logged without its token."""
    import time
    import urllib.request

    from scripts.battery.services import Nginx, free_port

    nginx = Nginx(tmp_path, [free_port()])  # nothing listens upstream: nginx answers 502, and logs the line
    nginx.start()
    try:
        for path in ("/records/SECRETtoken123/", "/es/received/SECRETtoken456/?x=1", "/studies/"):
            try:
                urllib.request.urlopen(f"{nginx.url}{path}", timeout=5)
            except OSError:
                pass
        deadline = time.monotonic() + 5
        while nginx.access_log.read_text().count("\n") < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        nginx.stop()
    log = nginx.access_log.read_text()
    assert "SECRETtoken" not in log
    assert "/records/[token]/" in log and "/es/received/[token]/?x=1" in log and "/studies/" in log


@pytest.mark.skipif(shutil.which("nginx") is None, reason="needs Debian's nginx (apt-get install -y nginx)")
def test_pages_reach_the_reader_compressed(tmp_path):
    """cip-proxy.conf gzips the app's HTML (a form page is 26 KB, about 5 KB compressed); a short answer stays
    as it is. The upstream is a plain HTTP server standing in for gunicorn."""
    import gzip
    import urllib.request

    from scripts.battery.services import Nginx
    from tests.http_upstream import html_upstream

    page = ("<!doctype html><title>x</title>" + "<p>Referral form field</p>" * 800).encode()
    with html_upstream({"/page/": page}) as port:
        nginx = Nginx(tmp_path, [port]).start()
        try:

            def get(path):
                request = urllib.request.Request(f"{nginx.url}{path}", headers={"Accept-Encoding": "gzip"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    return response.headers, response.read()

            headers, body = get("/page/")
            assert headers["Content-Encoding"] == "gzip"
            assert "Accept-Encoding" in headers.get_all("Vary")
            assert gzip.decompress(body) == page and len(body) < len(page) / 10
            headers, body = get("/short/")
            assert headers["Content-Encoding"] is None and body == b"ok"
        finally:
            nginx.stop()


@pytest.mark.skipif(shutil.which("nginx") is None, reason="needs Debian's nginx (apt-get install -y nginx)")
def test_the_proxy_rules_fit_beside_debians_own_gzip_setting(tmp_path):
    """Debian's nginx.conf says `gzip on;` at the http level; cip-proxy.conf sets gzip per server, which nginx
    accepts beside it (the same directive twice in one block would stop nginx from starting)."""
    import subprocess

    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log warn;
events {{ worker_connections 64; }}
http {{
    gzip on;
    include {DEPLOY}/nginx/cip-http.conf;
    upstream cip_app {{ server 127.0.0.1:9; }}
    server {{
        listen 127.0.0.1:9;
        include {DEPLOY}/nginx/cip-proxy.conf;
    }}
}}
""")
    result = subprocess.run(["nginx", "-t", "-q", "-c", str(conf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
