"""Rows into the database a batch at a time: COPY on PostgreSQL, executemany elsewhere."""

import io
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db import connection

from referrals.models import Submission
from referrals.services.intake import new_reference

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value):
    """A value as COPY's text format writes it."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _sqlite_value(value):
    """A value as Django stores it in SQLite (datetimes in UTC without a zone)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date | Decimal):
        return str(value)
    return value


class Writer:
    """Inserts rows (dicts by attname, the fields' defaults for the rest) and reserves submission ids."""

    def __init__(self):
        self.postgresql = connection.vendor == "postgresql"
        self.columns = {}

    def _fields(self, model, with_pk):
        key = (model, with_pk)
        if key not in self.columns:
            fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
            defaults = {f.attname: f.get_default() for f in fields}
            self.columns[key] = fields, defaults
        return self.columns[key]

    def reserve_ids(self, model, count):
        table, pk = model._meta.db_table, model._meta.pk.column
        with connection.cursor() as cursor:
            if self.postgresql:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count]
                )
                return [value for (value,) in cursor.fetchall()]
            cursor.execute(f'SELECT MAX("{pk}") FROM "{table}"')  # noqa: S608 (names from the model)
            first = (cursor.fetchone()[0] or 0) + 1
            return list(range(first, first + count))

    def write(self, model, rows):
        if not rows:
            return
        fields, defaults = self._fields(model, with_pk="id" in rows[0])
        quote = connection.ops.quote_name
        names = ", ".join(quote(f.column) for f in fields)
        table = quote(model._meta.db_table)
        with connection.cursor() as cursor:
            if self.postgresql:
                # Demo rows: a crash may lose the last batch, so the commit need not wait for the disk.
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
                texts = {name: _copy_text(value) for name, value in defaults.items()}
                lines = (
                    "\t".join([_copy_text(row[name]) if name in row else texts[name] for name in defaults]) + "\n"
                    for row in rows
                )
                cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", io.StringIO("".join(lines)))
            else:
                values = [[_sqlite_value(row.get(name, default)) for name, default in defaults.items()] for row in rows]
                marks = ", ".join(["%s"] * len(fields))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)  # noqa: S608 (model names)


def free_references(count):
    """``count`` new references (the intake's own generator), none already taken."""
    references = set()
    while len(references) < count:
        references |= {new_reference() for _n in range(count - len(references))}
        taken = Submission.objects.filter(reference__in=references).values_list("reference", flat=True)
        references -= set(taken)
    return list(references)


@contextmanager
def indexes_built_afterwards(models):
    """On PostgreSQL, around a load into empty tables: drop their secondary indexes, then build them once at the end.

    Six trigram indexes updated row by row make COPY several times slower than
    building them over the finished table. Indexes that back a constraint (the
    primary keys, the unique tokens and references) stay, so nothing the load
    writes goes unchecked. The tables are analysed afterwards, so the planner
    knows their size before the first query. Elsewhere (SQLite), nothing changes.
    """
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c
                WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass
              )
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            # Inside an outer transaction (the tests'), the deferred foreign-key checks must run before an index build.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET maintenance_work_mem TO '256MB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute("RESET maintenance_work_mem")
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
