"""Can the S3 storage tests run? Kept apart from their module so the root conftest can report a skip.

The tests start SeaweedFS on loopback (scripts/s3server.py). Where it cannot start they are skipped
with the reason, unless REQUIRE_S3 is set (as CI does), which makes that a failure.
"""

import os

import pytest

from scripts.s3server import S3Unavailable, SeaweedS3

REQUIRE_S3 = os.environ.get("REQUIRE_S3", "").strip().lower() in {"1", "true", "yes", "on"}
S3_TESTS = "tests/referrals/test_s3_storage.py"
SKIP_PREFIX = "S3 storage tests skipped"


def start_seaweedfs(*, bucket):
    """The running server and its endpoint; skips (or, with REQUIRE_S3, fails) when it cannot start."""
    server = SeaweedS3(bucket=bucket)
    try:
        return server, server.start()
    except S3Unavailable as error:
        reason = f"SeaweedFS could not start: {error}"
        if REQUIRE_S3:
            pytest.fail(f"REQUIRE_S3 is set but {reason}", pytrace=False)
        pytest.skip(f"{SKIP_PREFIX}: {reason}. (CI sets REQUIRE_S3=1 and fails instead.)")


def report_s3_skipped(terminalreporter):
    """A line at the end of the run when the S3 storage tests were skipped, with the reason."""
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else ""
        if getattr(report, "nodeid", "").startswith(S3_TESTS) and SKIP_PREFIX in reason:
            terminalreporter.write_sep("-", reason.removeprefix("Skipped: "), yellow=True, bold=True)
            return
