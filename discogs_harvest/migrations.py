"""Bring an existing database up to the models: add the columns it lacks.

The desktop app's own database has the contract tables without the columns discogs-harvest
adds (``fetched_at``, ``listing_id``, ...), and databases written by earlier versions lack
later columns. ``create_tables(safe=True)`` creates missing tables only, so before it runs,
every missing column of an existing table is added with ``playhouse.migrate`` (peewee docs,
"Schema migrations"; the migrator matching the database, SQLite's or PostgreSQL's). Columns are only ever added: nothing is dropped or rewritten.
"""

import logging

from playhouse.migrate import SchemaMigrator, migrate

from discogs_harvest.models import ALL_MODELS

logger = logging.getLogger(__name__)

# Columns whose default would break a constraint on existing rows, and how to fill them.
BACKFILL = {
    # Unique per album: number an album's existing tracks in the order they were inserted.
    ("tracks", "sequence"): "UPDATE tracks SET sequence = (SELECT COUNT(*) FROM tracks AS earlier "
                            "WHERE earlier.album_id = tracks.album_id AND earlier.id < tracks.id)",
}


def missing_columns(database, models=ALL_MODELS):
    """``[(model, field)]`` for columns the models declare and existing tables lack."""
    tables = set(database.get_tables())
    missing = []
    for model in models:
        table = model._meta.table_name
        if table not in tables:
            continue
        present = {column.name for column in database.get_columns(table)}
        missing += [(model, field) for field in model._meta.sorted_fields if field.column_name not in present]
    return missing


def add_missing_columns(database):
    """Add every missing column; returns how many were added."""
    missing = missing_columns(database)
    if not missing:
        return 0
    migrator = SchemaMigrator.from_database(database)  # SqliteMigrator or PostgresqlMigrator
    with database.atomic():
        migrate(*(migrator.add_column(model._meta.table_name, field.column_name, field)
                  for model, field in missing))
        for model, field in missing:
            backfill = BACKFILL.get((model._meta.table_name, field.column_name))
            if backfill:
                database.execute_sql(backfill)
    logger.info("Database upgraded: added %s", ", ".join(
        f"{model._meta.table_name}.{field.column_name}" for model, field in missing))
    return len(missing)
