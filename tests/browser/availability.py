"""Is there a browser for the browser tests? Kept apart from conftest.py so the root conftest can report it."""

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes", "on"}
MISSING_MESSAGE = (
    f"Browser tests skipped: Chromium not found at {CHROMIUM}. "
    "Install it with `apt-get install -y chromium` to run them (CI sets REQUIRE_BROWSER=1 and fails instead)."
)


def report_missing_browser(terminalreporter):
    """A line at the end of the run when the browser tests were skipped for want of Chromium."""
    if CHROMIUM.exists():
        return
    skipped = terminalreporter.stats.get("skipped", [])
    if any(getattr(report, "nodeid", "").startswith("tests/browser/") for report in skipped):
        terminalreporter.write_sep("-", MISSING_MESSAGE, yellow=True, bold=True)
