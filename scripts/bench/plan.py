"""What the benchmark measures and what it must reach: the modes, the scenarios and the targets, in one place.

Pure data (no Django, no I/O), so the tests can read it and the report can print it.
"""

from dataclasses import dataclass, field

# The load: wrk with fixed threads and connections for every scenario and every baseline, so ratios compare
# like with like. One wrk thread leaves the machine's other cores to the two gunicorn workers.
WRK_THREADS = 1
WRK_CONNECTIONS = 4
GUNICORN_WORKERS = 2
BASELINE_PATH = "/robots.txt"  # a plain view through the whole middleware stack, no database


@dataclass(frozen=True)
class Mode:
    name: str
    rounds: int
    seconds: float  # each wrk measurement
    small: int  # submissions in the small queue database
    large: int  # submissions in the large one
    export_sizes: tuple  # (smaller, larger) rows in the CSV export
    downloads: int  # exports timed per size per round
    memory_uploads: int  # PDF uploads over which the workers' memory must stay flat
    enforce: bool  # whether a missed target fails the run


FULL = Mode("full", rounds=5, seconds=6, small=10_000, large=1_000_000, export_sizes=(1_000, 10_000),
            downloads=3, memory_uploads=500, enforce=True)  # fmt: skip
QUICK = Mode("quick", rounds=2, seconds=1, small=200, large=2_000, export_sizes=(20, 200),
             downloads=1, memory_uploads=20, enforce=False)  # fmt: skip
SEED = 13


@dataclass(frozen=True)
class Scenario:
    """One thing to load. ``server`` names the gunicorn it runs against (see servers.SERVERS)."""

    key: str
    label: str
    server: str
    path: str  # may hold {video}, {search}, {change_5}, {change_50}: filled in once the data is known
    method: str = "GET"
    expect: int = 200
    body: str = ""  # "form": the visit form, urlencoded; "form+pdf": the same with a 1 MB PDF
    tool: str = "wrk"  # "download": timed one at a time by the bench itself (the CSV export)
    large_only: bool = False  # needs the large database (skipped on SQLite)
    tags: tuple = field(default_factory=tuple)


SCENARIOS = [
    Scenario("healthz", "/healthz (first middleware: the ceiling)", "site", "/healthz"),
    Scenario("home", "home /, cached", "site", "/"),
    Scenario("studies", "/studies/, cached", "site", "/studies/"),
    Scenario("therapy", "a therapy, cached", "site", "/therapies/car-t-cell-therapy/"),
    Scenario("video", "a video, cached", "site", "{video}"),
    Scenario("home-nocache", "home /, uncached", "nocache", "/"),
    Scenario("studies-nocache", "/studies/, uncached", "nocache", "/studies/"),
    Scenario("therapy-nocache", "a therapy, uncached", "nocache", "/therapies/car-t-cell-therapy/"),
    Scenario("video-nocache", "a video, uncached", "nocache", "{video}"),
    Scenario("form-refer", "GET /refer/", "site", "/refer/"),
    Scenario("form-visit", "GET /request-a-visit/", "site", "/request-a-visit/"),
    Scenario("form-existing", "GET /existing-patients/message/", "site", "/existing-patients/message/"),
    Scenario("post-visit", "POST /request-a-visit/ (no file)", "site", "/request-a-visit/", "POST", 302, "form"),
    Scenario(
        "post-visit-pdf", "POST /request-a-visit/ + 1 MB PDF", "site", "/request-a-visit/", "POST", 302, "form+pdf"
    ),  # fmt: skip
    Scenario("queue-small", "queue, small database", "small", "/admin/referrals/submission/"),
    Scenario("queue-large", "queue, large database", "large", "/admin/referrals/submission/", large_only=True),
    Scenario("search-small", "queue search by surname, small", "small", "{search}"),
    Scenario("search-large", "queue search by surname, large", "large", "{search}", large_only=True),
    Scenario("change-5", "change page, 5 notes + 5 history", "admin", "{change_5}"),
    Scenario("change-50", "change page, 50 notes + 50 history", "admin", "{change_50}"),
    Scenario(
        "export-small",
        "CSV export, smaller selection",
        "small",
        "/admin/referrals/submission/",
        "POST",
        tool="download",
    ),  # fmt: skip
    Scenario(
        "export-large", "CSV export, larger selection", "small", "/admin/referrals/submission/", "POST", tool="download"
    ),  # fmt: skip
]
BY_KEY = {scenario.key: scenario for scenario in SCENARIOS}


@dataclass(frozen=True)
class Target:
    """One promise. ``measure``:

    - "ratio": the scenario's req/s over the baseline's (robots.txt on the same server, same round), median
      over the rounds, must be >= ``limit``;
    - "time": the scenario's time per request (wrk's p50 latency, or a download's seconds) over ``other``'s in
      the same round, median over the rounds, must be <= ``limit``;
    - "time-each": the same, but every round must be <= ``limit``;
    - "queries": the same number of SQL queries per request as ``other``;
    - "rss-growth-mb": the gunicorn workers' largest RSS grows by at most ``limit`` MB over the PDF uploads.
    """

    scenario: str
    measure: str
    limit: float | None = None
    other: str = ""
    why: str = ""


TARGETS = [
    *[Target(key, "ratio", 0.85, why="a cached content page") for key in ("home", "studies", "therapy", "video")],
    *[
        Target(key + "-nocache", "ratio", 0.45, why="an uncached content page")
        for key in ("home", "studies", "therapy", "video")
    ],
    *[Target(key, "ratio", 0.5, why="a form page") for key in ("form-refer", "form-visit", "form-existing")],
    Target("post-visit", "ratio", 0.3, why="a form POST, no file"),
    Target("post-visit-pdf", "ratio", 0.05, why="a form POST with a 1 MB PDF"),
    Target("post-visit-pdf", "rss-growth-mb", 16, why="workers' memory flat over the uploads"),
    Target("queue-large", "time", 1.5, "queue-small", "the queue barely slows with 100x the rows"),
    Target("queue-large", "queries", None, "queue-small", "the queue's queries do not grow with the rows"),
    Target("search-large", "time", 1.2, "queue-large", "a surname search costs little more than the queue"),
    Target("search-large", "time", 2.0, "search-small", "a surname search at 100x the rows"),
    Target("change-50", "time", 1.5, "change-5", "a long history does not slow the change page"),
    Target("change-50", "queries", None, "change-5", "no query per note or history row"),
    Target("export-large", "time-each", 10, "export-small", "10x the rows exports in at most 10x the time"),
]

# Lighthouse: every category at 100 and the largest paint within this, on these pages (when it can run).
LIGHTHOUSE_PATHS = ["/", "/refer/", "/therapies/car-t-cell-therapy/"]
LIGHTHOUSE_MIN_SCORE = 100
LIGHTHOUSE_MAX_LCP_MS = 1300
SPREAD_WARNING = 0.10  # a scenario whose ratio varies more than this over the rounds is flagged
