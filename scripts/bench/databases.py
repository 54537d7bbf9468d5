"""The benchmark's own databases: PostgreSQL's (names starting cip_bench) or SQLite files, kept between runs.

- ``cip_bench_template``: migrated, empty; every other database starts as a copy of it (seconds, not the
  twenty a migrate from nothing takes).
- ``cip_bench_site``: the public pages and forms; a new copy each run, so the POSTs start from nothing.
- ``cip_bench_n<N>``: a queue of N generated submissions (manage.py generate_demo_data). Generating a million
  takes minutes, so it is kept, and reused while its marker row (generator version, N, seed) matches.

The bench process itself runs Django with the servers' settings and moves its ``default`` connection from
one database to another (``use``), so it can migrate, fill and count queries in each.
"""

import hashlib
import inspect
import io
import shutil
from contextlib import redirect_stdout, suppress
from pathlib import Path

import dj_database_url

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PREFIX = "cip_bench"
# The marker: a table "cip_bench_marker" (key, value) in each kept database.


class Databases:
    """Create, copy, drop and name the benchmark's databases on one backend ("postgresql" or "sqlite")."""

    def __init__(self, backend, data_dir):
        self.backend = backend
        self.data_dir = Path(data_dir)

    @classmethod
    def detect(cls, data_dir, force_sqlite=False):
        """PostgreSQL when it answers on 127.0.0.1:5432 (and SQLite was not asked for), else SQLite."""
        if not force_sqlite:
            with suppress(Exception):
                import psycopg2

                psycopg2.connect(PG_SERVER + "/postgres", connect_timeout=3).close()
                return cls("postgresql", data_dir)
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        return cls("sqlite", data_dir)

    def url(self, name):
        if self.backend == "postgresql":
            return f"{PG_SERVER}/{name}"
        return f"sqlite:///{self.data_dir / name}.sqlite3"

    def _admin(self, sql, params=None):
        import psycopg2

        connection = psycopg2.connect(PG_SERVER + "/postgres")
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else None
        finally:
            connection.close()

    def exists(self, name):
        if self.backend == "postgresql":
            return bool(self._admin("SELECT 1 FROM pg_database WHERE datname = %s", [name]))
        return (self.data_dir / f"{name}.sqlite3").exists()

    def drop(self, name):
        assert name.startswith(PREFIX), name  # never anything but the benchmark's own
        if self.backend == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            (self.data_dir / f"{name}.sqlite3").unlink(missing_ok=True)

    def create(self, name, template=None):
        assert name.startswith(PREFIX), name
        if self.backend == "postgresql":
            self._admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        elif template:
            shutil.copyfile(self.data_dir / f"{template}.sqlite3", self.data_dir / f"{name}.sqlite3")

    def server_version(self):
        if self.backend == "postgresql":
            return self._admin("SHOW server_version")[0][0]
        import sqlite3

        return "SQLite " + sqlite3.sqlite_version


def use(url):
    """Point the bench's own ``default`` connection at another database (closing the current one)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections

    connections.close_all()
    wanted = dj_database_url.parse(url)
    connections["default"].settings_dict.update({key: wanted[key] for key in ("NAME", "HOST", "PORT", "USER")})
    ContentType.objects.clear_cache()  # its ids belong to the database they were read from


def quietly(command, **options):
    from django.core.management import call_command

    with redirect_stdout(io.StringIO()):
        call_command(command, verbosity=0, **options)


def migrate(url, *, content=True):
    use(url)
    quietly("migrate", interactive=False)
    if content:
        quietly("load_program_content")


# --- The marker: what a kept database holds ---------------------------------------------


def read_marker():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS cip_bench_marker (key varchar(50) PRIMARY KEY, value text)")
        cursor.execute("SELECT key, value FROM cip_bench_marker")
        return dict(cursor.fetchall())


def write_marker(values):
    from django.db import connection

    read_marker()  # creates the table
    with connection.cursor() as cursor:
        for key, value in values.items():
            cursor.execute("DELETE FROM cip_bench_marker WHERE key = %s", [key])
            cursor.execute("INSERT INTO cip_bench_marker (key, value) VALUES (%s, %s)", [key, str(value)])


# --- The generator ----------------------------------------------------------------------


def generator():
    """(call, version): how to fill a database with N submissions, and a version that changes with the code."""
    from django.core.management import get_commands, load_command_class

    app = get_commands().get("generate_demo_data")
    if app is None:
        from scripts.bench import fallback_data

        return fallback_data.generate, "bench-fallback-" + _digest(inspect.getsource(fallback_data))
    command = load_command_class(app, "generate_demo_data")
    version = getattr(inspect.getmodule(command), "VERSION", None) or _digest(inspect.getsource(type(command)))
    parser = command.create_parser("manage.py", "generate_demo_data")
    # The command refuses a DEBUG-off database unless told this is not production; find that flag's name.
    confirm = {
        action.dest: True
        for action in parser._actions
        if any("production" in option or "i-know" in option for option in action.option_strings)
    }

    def call(submissions, seed):
        quietly("generate_demo_data", submissions=submissions, seed=seed, **confirm)

    return call, f"generate_demo_data-{version}"


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def queue_database(databases, name, template_url, submissions, seed, fresh, say):
    """A database holding ``submissions`` generated submissions: the kept one if its marker matches."""
    generate, version = generator()
    wanted = {"generator": version, "submissions": submissions, "seed": seed}
    url = databases.url(name)
    if databases.exists(name) and not fresh:
        migrate(url, content=False)
        marker = read_marker()
        if {key: marker.get(key) for key in wanted} == {key: str(value) for key, value in wanted.items()}:
            say(f"  {name}: kept ({submissions:,} submissions, {version})")
            return url
        say(f"  {name}: its marker {marker or '(none)'} does not match; generating again")
    use(template_url)  # nobody may be connected to the template while it is copied
    from django.db import connections

    connections.close_all()
    databases.drop(name)
    databases.create(name, template=template_name(databases))
    say(f"  {name}: generating {submissions:,} submissions ({version}, seed {seed})...")
    migrate(url)
    generate(submissions, seed)
    write_marker(wanted)
    return url


def template_name(_databases):
    return f"{PREFIX}_template"


def prepare(databases, *, small, large, seed, fresh, say):
    """Every database this run needs: {"site": url, "small": url, "large": url or None}."""
    from django.db import connections

    template = template_name(databases)
    if fresh or not databases.exists(template):
        databases.drop(template)
        if databases.backend == "postgresql":
            databases.create(template)
    template_url = databases.url(template)
    say(f"Databases ({databases.backend}): migrating {template}...")
    migrate(template_url, content=False)
    connections.close_all()
    site = f"{PREFIX}_site"
    databases.drop(site)
    databases.create(site, template=template)
    site_url = databases.url(site)
    migrate(site_url)
    quietly("createcachetable")
    urls = {"site": site_url, "small": queue_database(databases, f"{PREFIX}_n{small}", template_url, small, seed,
                                                       fresh, say)}  # fmt: skip
    urls["large"] = None
    if databases.backend == "postgresql":
        urls["large"] = queue_database(databases, f"{PREFIX}_n{large}", template_url, large, seed, fresh, say)
    return urls
