import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]

# The production-like environment documented in the README.
PRODUCTION_ENV = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "example.org",
    "SITE_URL": "https://example.org",
    # Preloading HSTS is a decision for the whole domain; production opts in explicitly.
    "SECURE_HSTS_PRELOAD": "1",
}


def test_check_deploy_passes_with_production_settings(tmp_path):
    # Start from a bare environment: variables set by other tests or the shell
    # (DJANGO_ALLOW_ASYNC_UNSAFE, DEBUG, DATABASE_URL...) must not leak in.
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    env.update(PRODUCTION_ENV)
    env["SECRET_KEY"] = secrets.token_urlsafe(60)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'deploy.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_an_empty_database_url_means_the_embedded_default(tmp_path):
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    env.update({"DEBUG": "0", "SECRET_KEY": "x" * 60, "DATABASE_URL": ""})
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"
