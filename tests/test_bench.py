"""The benchmark's own arithmetic (scripts/bench): wrk's numbers read back, summaries, targets, the report.

Pure functions fed made-up rounds: no server, no database. `make bench` itself runs in CI as `--quick`.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.bench import plan, report, stats

ROOT = Path(__file__).resolve().parents[1]


def wrk_output(requests=100, duration_us=2_000_000, statuses=None, errors=None, exhausted=0, sent=0):
    raw = {
        "requests": requests,
        "duration_us": duration_us,
        "p50_us": 4_000,
        "p95_us": 9_500,
        "p99_us": 20_000,
        "errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0, "status": 0, **(errors or {})},
        "statuses": statuses if statuses is not None else {"200": requests},
        "exhausted": exhausted,
        "sent": sent,
    }
    return (
        "Running 2s test @ http://127.0.0.1:1/\n  1 threads and 4 connections\n" + stats.RESULT_PREFIX + json.dumps(raw)
    )


def wrk_round(rps, baseline_rps, p50_ms=10.0):
    return {
        "rps": rps,
        "p50_ms": p50_ms,
        "p95_ms": p50_ms * 2,
        "requests": int(rps),
        "bad": 0,
        "baseline_rps": baseline_rps,
    }


# --- Reading wrk ------------------------------------------------------------------------------


def test_parse_wrk_reads_rate_and_latencies():
    result = stats.parse_wrk(wrk_output(requests=300, duration_us=3_000_000), expect=200)
    assert result["rps"] == pytest.approx(100.0)
    assert result["p50_ms"] == pytest.approx(4.0)
    assert result["p95_ms"] == pytest.approx(9.5)
    assert result["bad"] == 0


def test_parse_wrk_counts_every_unexpected_status_and_socket_error():
    output = wrk_output(statuses={"302": 90, "200": 7, "500": 3}, errors={"timeout": 2, "read": 1})
    result = stats.parse_wrk(output, expect=302)
    assert result["bad"] == 7 + 3 + 2 + 1  # a 200 form with errors where a 302 was expected is an error too


def test_parse_wrk_without_its_result_line_is_an_error():
    with pytest.raises(ValueError, match="no result line"):
        stats.parse_wrk("Running 1s test\nunable to connect", expect=200)


# --- Summaries ------------------------------------------------------------------------------


def test_spread_is_max_minus_min_over_the_median():
    assert stats.spread([0.9, 1.0, 1.1]) == pytest.approx(0.2)
    assert stats.spread([2.0, 2.0]) == 0


def test_summary_takes_medians_and_flags_an_unsteady_ratio():
    steady = {"rounds": [wrk_round(100, 200), wrk_round(102, 200), wrk_round(98, 200)], "queries": 3}
    summary = stats.summarize(steady)
    assert summary["rps"] == 100
    assert summary["ratio"] == pytest.approx(0.5)
    assert (summary["ratio_min"], summary["ratio_max"]) == (pytest.approx(0.49), pytest.approx(0.51))
    assert summary["queries"] == 3
    assert not summary["unsteady"]
    unsteady = {"rounds": [wrk_round(100, 200), wrk_round(130, 200), wrk_round(98, 200)]}
    assert stats.summarize(unsteady)["unsteady"]  # 0.49..0.65 around 0.5: more than 10%


def test_summary_of_downloads_is_in_seconds():
    summary = stats.summarize({"rounds": [{"seconds_each": 0.4, "bad": 0}, {"seconds_each": 0.6, "bad": 1}]})
    assert summary["seconds"] == pytest.approx(0.5)
    assert summary["bad"] == 1


# --- Targets ------------------------------------------------------------------------------


def target(scenario, measure, limit=None, other=""):
    return plan.Target(scenario, measure, limit, other)


def test_a_ratio_target_compares_the_median_ratio_with_its_limit():
    results = {"home": {"rounds": [wrk_round(90, 100), wrk_round(80, 100), wrk_round(88, 100)]}}
    assert stats.check(target("home", "ratio", 0.85), results)["passed"] is True
    assert stats.check(target("home", "ratio", 0.9), results)["passed"] is False


def test_a_time_target_compares_the_two_scenarios_round_by_round():
    results = {
        "queue-large": {"rounds": [wrk_round(10, 100, p50_ms=140), wrk_round(10, 100, p50_ms=200)]},
        "queue-small": {"rounds": [wrk_round(10, 100, p50_ms=100), wrk_round(10, 100, p50_ms=100)]},
    }
    assert stats.time_ratios(results["queue-large"], results["queue-small"]) == [pytest.approx(1.4), pytest.approx(2.0)]
    check = stats.check(target("queue-large", "time", 1.8, "queue-small"), results)
    assert check["passed"] is True and check["value"] == pytest.approx(1.7)  # the median of 1.4 and 2.0


def test_time_each_fails_when_any_round_is_over():
    results = {
        "export-large": {"rounds": [{"seconds_each": 5.0}, {"seconds_each": 11.0}]},
        "export-small": {"rounds": [{"seconds_each": 1.0}, {"seconds_each": 1.0}]},
    }
    check = stats.check(target("export-large", "time-each", 10, "export-small"), results)
    assert check["passed"] is False and check["value"] == pytest.approx(11.0)


def test_a_queries_target_wants_the_same_count():
    results = {"change-50": {"rounds": [{}], "queries": 22}, "change-5": {"rounds": [{}], "queries": 22}}
    assert stats.check(target("change-50", "queries", other="change-5"), results)["passed"] is True
    results["change-50"]["queries"] = 122
    assert stats.check(target("change-50", "queries", other="change-5"), results)["passed"] is False


def test_memory_growth_is_measured_from_the_first_sample_after_warm_up():
    memory = {"samples": [{"max_worker_mb": 100.0}, {"max_worker_mb": 104.0}, {"max_worker_mb": 110.0}]}
    results = {"post-visit-pdf": {"rounds": [{}]}}
    check = stats.check(target("post-visit-pdf", "rss-growth-mb", 16), results, memory)
    assert check["passed"] is True and check["value"] == pytest.approx(10.0)
    memory["samples"].append({"max_worker_mb": 130.0})
    assert stats.check(target("post-visit-pdf", "rss-growth-mb", 16), results, memory)["passed"] is False


def test_a_scenario_that_did_not_run_is_not_judged():
    assert stats.check(target("queue-large", "time", 1.5, "queue-small"), {})["passed"] is None


def test_errors_always_fail_and_missed_targets_only_when_enforced():
    missed = [{"target": target("home", "ratio", 0.85), "passed": False, "text": "0.50 (>= 0.85)"}]
    assert stats.verdict(missed, [], enforce=False) == (False, [])
    failed, reasons = stats.verdict(missed, [], enforce=True)
    assert failed and "home" in reasons[0]
    assert stats.verdict([], ["post-visit: 3 POSTs sent, 1 answered"], enforce=False)[0]


def test_every_target_names_scenarios_that_exist():
    for each in plan.TARGETS:
        assert each.scenario in plan.BY_KEY
        assert not each.other or each.other in plan.BY_KEY


# --- The report ----------------------------------------------------------------------------


def assembled(mode, lighthouse=None, **changes):
    results = {
        "home": {"rounds": [wrk_round(80, 100), wrk_round(82, 100)], "queries": 0},
        "export-small": {"rounds": [{"seconds_each": 0.2, "bad": 0}], "queries": 12},
    }
    options = {
        "mode": mode,
        "setup": {
            "rounds": 2,
            "seconds": 1,
            "small": 200,
            "large": 2000,
            "backend": "sqlite",
            "export_rows": [20, 200],
        },
        "machine_info": {
            "cpu": "Test CPU",
            "cores": 2,
            "memory_gb": 4.0,
            "database": "SQLite 3",
            "git_commit": "abc",
            "python": "3.11",
            "wrk": "wrk 4",
            "load_average": [0.1, 0.2, 0.3],
        },  # fmt: skip
        "scenarios": [plan.BY_KEY["home"], plan.BY_KEY["export-small"]],
        "results": results,
        "baselines": {"site": [{"rps": 100.0}]},
        "memory": {"samples": []},
        "skipped": {"queue-large": "SQLite: no large queue database"},
        "errors": [],
        "lighthouse": lighthouse or {"text": "skipped (not installed)", "rows": []},
    }
    options.update(changes)
    return report.assemble(**options)


def test_a_quick_report_shows_missed_targets_without_failing():
    result = assembled(plan.QUICK)
    assert not result["failed"]
    text = report.markdown(result)
    assert "targets are shown, not enforced" in text
    assert "| home /, cached | 81.0 |" in text
    assert "0.81 (0.80–0.82)" in text
    assert "MISSED" in text  # 0.81 < 0.85
    assert "Lighthouse: skipped (not installed)" in text
    assert "queue-large (SQLite: no large queue database)" in text
    assert "200 ms per download" in text
    json.dumps(result, default=str)  # what --json writes


def test_a_full_report_fails_on_a_missed_target_and_says_why():
    result = assembled(plan.FULL)
    assert result["failed"]
    assert any("home" in reason for reason in result["reasons"])
    assert "**FAILED**" in report.markdown(result)


def test_lighthouse_scores_below_100_or_a_slow_paint_fail_a_full_run():
    rows = [{"path": "/", "performance": 100, "accessibility": 100, "best_practices": 100, "seo": 100, "lcp_ms": 900}]
    assert report.lighthouse_verdict(rows) == []
    slow = [dict(rows[0], lcp_ms=1400, seo=92)]
    problems = report.lighthouse_verdict(slow)
    assert len(problems) == 2
    result = assembled(plan.QUICK, lighthouse={"text": "x", "rows": slow, "problems": problems})
    assert not result["failed"]  # a quick run reports them only


def test_the_command_prints_its_help():
    done = subprocess.run([sys.executable, "-m", "scripts.bench", "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "--quick" in done.stdout and "--submissions" in done.stdout


# --- Where the time goes ------------------------------------------------------------------------


def test_the_report_shows_where_the_time_goes_and_which_targets_are_above_their_ceiling():
    row = {"wall": 2.5, "database": 0.4, "templates": 0.9, "rest": 1.2, "ceiling": 0.24}
    split = {
        "plain_ms": 0.4,
        "plain_wrk_ms": 1.0,
        "rows": {
            "home": {"label": "home /, cached", **row},  # wrk measured it: its ratio is shown
            "therapy-nocache": {"label": "a therapy, uncached", **row},
            "post-visit-pdf": {"label": "POST + PDF", **row, "ceiling": 0.12},
        },
    }
    text = report.markdown(assembled(plan.QUICK, breakdown=split))
    assert "the plain view: 0.40 ms here, 1.00 ms of a worker under wrk" in text
    assert "| home /, cached | 2.50 | 0.40 | 0.90 | 1.20 | 0.81 | 0.24 | 0.85 (above the ceiling) |" in text
    assert "| a therapy, uncached | 2.50 | 0.40 | 0.90 | 1.20 | – | 0.24 | 0.45 (above the ceiling) |" in text
    assert "| POST + PDF | 2.50 | 0.40 | 0.90 | 1.20 | – | 0.12 | 0.05 |" in text
    assert "Where the time goes" not in report.markdown(assembled(plan.QUICK))  # nothing measured: no section


def test_the_breakdown_picks_the_uncached_pages_and_the_form_posts():
    from scripts.bench import breakdown

    picked = {s.key for s in plan.SCENARIOS if breakdown.wanted(s)}
    assert picked == {"home-nocache", "studies-nocache", "therapy-nocache", "video-nocache", "post-visit",
                      "post-visit-pdf"}  # fmt: skip


@pytest.mark.django_db
def test_the_breakdown_splits_real_requests_into_database_templates_and_the_rest(settings):
    """Measured in-process on the test database: the plain view has no query and no template; the home page
    has both; a form POST (302) has queries and no template; the parts add up to the wall time."""
    from scripts.bench import breakdown
    from tests.referrals.factories import pdf_bytes, second_opinion_data

    settings.RATELIMIT_POSTS = 1000
    settings.ALLOWED_HOSTS = ["127.0.0.1"]  # the bench's in-process requests name the servers' host
    plain = breakdown.measure(plan.BASELINE_PATH, count=5)
    assert plain["database"] == 0 and plain["templates"] == 0 and plain["rest"] == pytest.approx(plain["wall"])
    home = breakdown.measure("/", page_cache=False, count=5)
    assert home["database"] > 0 and home["templates"] > 0
    assert home["database"] + home["templates"] + home["rest"] == pytest.approx(home["wall"])

    class Poster:
        def data(self, form_token):
            return second_opinion_data(form_token=form_token)

    bodies = breakdown._bodies(Poster(), pdf_bytes(), breakdown.WARMUP + 2)
    assert bodies[0][1].startswith("multipart/form-data")
    post = breakdown.measure("/request-a-visit/", bodies=bodies)
    assert post["database"] > 0 and post["templates"] == 0
    from referrals.models import Attachment, Submission

    assert Submission.objects.count() == Attachment.objects.count() == breakdown.WARMUP + 2


@pytest.mark.django_db
def test_the_ceiling_is_the_plain_views_time_under_wrk_over_that_plus_database_and_templates(settings):
    from scripts.bench import breakdown

    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    result = breakdown.run([plan.BY_KEY["home-nocache"], plan.BY_KEY["home"]], None, None, lambda _text: None, 2000)
    assert result["plain_wrk_ms"] == 1.0  # 2 workers, 2,000 requests per second: 1 ms of a worker each
    assert set(result["rows"]) == {"home-nocache"}  # a cached page is not split: it renders nothing
    row = result["rows"]["home-nocache"]
    assert row["ceiling"] == pytest.approx(1.0 / (1.0 + row["database"] + row["templates"]), abs=0.002)
    assert 0 < row["ceiling"] < 1


@pytest.mark.skipif(shutil.which("nginx") is None, reason="needs Debian's nginx (apt-get install -y nginx)")
def test_lighthouse_reaches_the_site_through_nginx_with_the_production_rules(tmp_path):
    """As a phone does: the bench's Lighthouse address is nginx (compressing pages) in front of the server."""
    import gzip
    import urllib.request
    from contextlib import ExitStack
    from types import SimpleNamespace

    from scripts.bench import setup
    from tests.http_upstream import html_upstream

    page = b"<!doctype html><title>x</title>" + b"<p>A page of the site.</p>" * 400
    with html_upstream({"/": page}) as port, ExitStack() as stack:
        server = SimpleNamespace(port=port, url=f"http://127.0.0.1:{port}")
        url = setup.behind_nginx(server, tmp_path, stack)
        assert url != server.url
        request = urllib.request.Request(url + "/", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert gzip.decompress(response.read()) == page
