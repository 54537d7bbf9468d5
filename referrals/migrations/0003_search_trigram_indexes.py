"""Trigram indexes for the admin's search on PostgreSQL.

The admin searches with ``icontains``, which PostgreSQL runs as
``UPPER(col::text) LIKE UPPER('%term%')``: a plain or trigram index on the bare
column is never used, so the indexes are on that exact expression. SQLite (local
development) has no pg_trgm and gets nothing. pg_trgm is a trusted extension
(PostgreSQL 13+): the database owner can create it.
"""

from django.db import migrations

SEARCHED_COLUMNS = ["reference", "patient_name", "referrer_name", "contact_email", "referrer_email"]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in SEARCHED_COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS submission_{column}_trgm "
            f'ON referrals_submission USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in SEARCHED_COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS submission_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("referrals", "0002_coordinators_group")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
