"""`make test` without Chromium: the browser tests are skipped with a clear line, unless CI asks for them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_browser_tests(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REQUIRE_BROWSER", "CHROMIUM_PATH"}}
    clean.update(env, CHROMIUM_PATH="/nonexistent/chromium")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-o", "addopts=", "-q", "-k", "home",
         "tests/browser/test_a11y_public.py"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("require", ["", "1"])
def test_missing_chromium_skips_with_a_message_or_fails_in_ci(require):
    result = run_browser_tests(REQUIRE_BROWSER=require)
    if require:
        assert result.returncode != 0
        assert "REQUIRE_BROWSER is set but Chromium is missing" in result.stdout
    else:
        assert result.returncode == 0, result.stdout + result.stderr
        assert "skipped" in result.stdout
        assert "Browser tests skipped: Chromium not found at /nonexistent/chromium" in result.stdout
