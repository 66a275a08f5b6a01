"""Bring an existing database up to the models: add the columns it lacks, relax what blocks the app.

The desktop app's own database has the contract tables without the columns discogs-harvest
adds (``fetched_at``, ``listing_id``, ...), and databases written by earlier versions lack
later columns. ``create_tables(safe=True)`` creates missing tables only, so before it runs,
every missing column of an existing table is added with ``playhouse.migrate`` (peewee docs,
"Schema migrations"; the migrator matching the database, SQLite's or PostgreSQL's). Columns are only ever added,
never dropped or rewritten; the one thing dropped is an index that another index makes redundant
(:func:`drop_covered_indexes`).

:func:`relax_columns` then lets the desktop app's plain inserts through on a database written by
an earlier version: a column the models now give an SQL default (``created_at DEFAULT
CURRENT_TIMESTAMP``) or allow to be NULL (``tracks.sequence``, ``collection_items.listing_id``)
gets it. SQLite cannot alter a column, so peewee's migrator copies the table (its rows, ids
and indexes kept) with foreign keys off, as SQLite's docs describe ("Making Other Kinds Of
Table Schema Changes"); the constraint is the only difference. On PostgreSQL,
:func:`relax_not_null_postgres` drops the NOT NULL of such a column in place
(``labels.fetched_at``, NULL on a row imported from a dump).

On PostgreSQL, :func:`create_missing` stands in for ``create_tables(safe=True)``: it creates only
the tables and indexes that are not there, because ``CREATE INDEX IF NOT EXISTS`` takes its
table's SHARE lock before it finds the index exists.
"""

import logging

from peewee import SQL, CompositeKey, ForeignKeyField, ModelIndex, PostgresqlDatabase, sort_models
from playhouse.migrate import SchemaMigrator, SqliteMigrator, migrate

from discogs_harvest.models import ALL_MODELS

logger = logging.getLogger(__name__)

# Columns whose default would break a constraint on existing rows, and how to fill them.
BACKFILL = {
    # Unique per album: number an album's existing tracks in the order they were inserted.
    ("tracks", "sequence"): "UPDATE tracks SET sequence = (SELECT COUNT(*) FROM tracks AS earlier "
                            "WHERE earlier.album_id = tracks.album_id AND earlier.id < tracks.id)",
}


def existing_columns(database, models=ALL_MODELS):
    """``(model, [ColumnMetadata])`` for each of the models whose table exists."""
    tables = set(database.get_tables())
    for model in models:
        table = model._meta.table_name
        if table in tables:
            yield model, database.get_columns(table)


def missing_columns(database, models=ALL_MODELS):
    """``[(model, field)]`` for columns the models declare and existing tables lack."""
    missing = []
    for model, columns in existing_columns(database, models):
        present = {column.name for column in columns}
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


def sql_default_of(field):
    """The expression of a field's ``DEFAULT`` constraint (``"CURRENT_TIMESTAMP"``), or None."""
    for constraint in field.constraints or ():
        if isinstance(constraint, SQL) and constraint.sql.upper().startswith("DEFAULT "):
            return constraint.sql[len("DEFAULT "):]
    return None


def columns_to_relax(database, models=ALL_MODELS):
    """``[(table, column, "drop_not_null" | "add_default", default)]`` the existing tables need."""
    tables = set(database.get_tables())
    changes = []
    for model in models:
        table = model._meta.table_name
        if table not in tables:
            continue
        info = {row[1]: row for row in database.execute_sql(f'PRAGMA table_info("{table}")').fetchall()}
        for field in model._meta.sorted_fields:
            row = info.get(field.column_name)
            if row is None or field.primary_key:
                continue
            _, _, _, not_null, default, _ = row
            if field.null and not_null:
                changes.append((table, field.column_name, "drop_not_null", None))
            wanted = sql_default_of(field)
            if wanted is not None and default is None:
                changes.append((table, field.column_name, "add_default", wanted))
    return changes


def relax_columns(database):
    """Apply :func:`columns_to_relax`; returns how many columns changed. Call outside a transaction."""
    changes = columns_to_relax(database)
    if not changes:
        return 0
    migrator = SqliteMigrator(database)
    database.execute_sql("PRAGMA foreign_keys = OFF")  # a copied table must not cascade deletes
    try:
        with database.atomic():
            for table, column, change, default in changes:
                if change == "drop_not_null":
                    migrate(migrator.drop_not_null(table, column, legacy=True))
                else:
                    # In parentheses: peewee quotes a bare word as text, and SQLite takes any
                    # constant expression there.
                    migrate(migrator.add_column_default(table, column, f"({default})"))
            problems = database.execute_sql("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"foreign keys broken by the upgrade: {problems[:3]}")
    finally:
        database.execute_sql("PRAGMA foreign_keys = ON")
    logger.info("Database upgraded for the desktop app's inserts: %s", ", ".join(
        f"{table}.{column} {'NULL allowed' if change == 'drop_not_null' else f'DEFAULT {default}'}"
        for table, column, change, default in changes))
    return len(changes)


def relax_not_null_postgres(database, models=ALL_MODELS):
    """On PostgreSQL, ``ALTER COLUMN .. DROP NOT NULL`` for each column the models now allow to
    be NULL (``labels.fetched_at``: a row imported from a dump was never fetched). PostgreSQL
    alters a column in place, and in the caller's transaction; returns how many changed.
    """
    changes = []
    for model, columns in existing_columns(database, models):
        not_null = {column.name for column in columns if not column.null}
        changes += [(model._meta.table_name, field.column_name) for field in model._meta.sorted_fields
                    if field.null and not field.primary_key and field.column_name in not_null]
    if not changes:
        return 0
    migrator = SchemaMigrator.from_database(database)  # PostgresqlMigrator
    migrate(*(migrator.drop_not_null(table, column) for table, column in changes))
    logger.info("Database upgraded: NULL allowed in %s", ", ".join(f"{table}.{column}" for table, column in changes))
    return len(changes)


def timestamp_columns(database, models=ALL_MODELS):
    """``[(table, column)]``: every DATETIME column, and ``collection_items.posted`` (text)."""
    from peewee import DateTimeField

    tables = set(database.get_tables())
    found = [(model._meta.table_name, field.column_name) for model in models
             for field in model._meta.sorted_fields if isinstance(field, DateTimeField)]
    found.append(("collection_items", "posted"))
    return [(table, column) for table, column in found if table in tables]


def normalise_timestamps(database):
    """Rewrite times stored by earlier versions in the one form, UTC ``YYYY-MM-DD HH:MM:SS``.

    Earlier versions kept microseconds and ``posted`` as Discogs sent it
    (``2020-03-11T05:41:34-07:00``); SQLite's ``datetime()`` turns both into the one form
    (converting the offset to UTC). Values it cannot read are left as they are. Run once, when
    an upgrade added or relaxed columns. Returns the rows changed.
    """
    changed = 0
    with database.atomic():
        for table, column in timestamp_columns(database):
            present = {c.name for c in database.get_columns(table)}
            if column not in present:
                continue
            cursor = database.execute_sql(
                f'UPDATE "{table}" SET "{column}" = datetime("{column}") '
                f'WHERE "{column}" IS NOT NULL AND "{column}" <> datetime("{column}")')
            changed += cursor.rowcount
    if changed:
        logger.info("Database upgraded: %d timestamps rewritten as UTC YYYY-MM-DD HH:MM:SS", changed)
    return changed


def leading_columns(model):
    """Columns that begin one of ``model``'s indexes of several columns or its composite primary key."""
    meta = model._meta
    parts = [list(meta.primary_key.field_names)] if isinstance(meta.primary_key, CompositeKey) else []
    parts += [list(index[0]) for index in meta.indexes if isinstance(index, (list, tuple))]
    return {meta.combined[names[0]].column_name for names in parts
            if len(names) > 1 and isinstance(names[0], str)}


def covered_indexes(models=ALL_MODELS):
    """``[(table, index name)]``: the one-column index peewee makes on a foreign key, for each
    foreign key the models declare without it (``index=False``) because an index of several
    columns, or the primary key, of its table starts with that column (see models.py)."""
    return [(model._meta.table_name, ModelIndex(model, (field,))._name)
            for model in models for field in model._meta.sorted_fields
            if isinstance(field, ForeignKeyField) and not field.index and not field.unique
            and field.column_name in leading_columns(model)]


def drop_covered_indexes(database, models=ALL_MODELS):
    """Drop the :func:`covered_indexes` an earlier version created; returns how many were dropped.

    Call after ``create_tables`` (which creates the covering indexes), in its transaction;
    ``DROP INDEX`` is the same statement in SQLite and PostgreSQL."""
    if isinstance(database, PostgresqlDatabase):
        query = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'index'"
    present = {name for (name,) in database.execute_sql(query).fetchall()}
    dropped = [(table, name) for table, name in covered_indexes(models) if name in present]
    for _, name in dropped:
        database.execute_sql(f'DROP INDEX "{name}"')
    if dropped:
        logger.info("Database upgraded: dropped %s (each covered by an index of several columns)",
                    ", ".join(name for _, name in dropped))
    return len(dropped)


def create_missing(database, models=ALL_MODELS):
    """Create the tables of ``models`` that do not exist and the indexes their existing tables
    lack; returns what was created. For PostgreSQL, in the schema lock's transaction.

    ``create_tables(safe=True)`` issues ``CREATE INDEX IF NOT EXISTS`` for every index, and
    PostgreSQL takes the table's SHARE lock before it sees the index is there, holding it to
    the end of the transaction. A harvest opening a complete schema while another one (started
    a moment earlier, past its own schema check) writes the same tables then deadlocked with it:
    "Process A waits for ShareLock on relation X; blocked by process B. Process B waits for
    RowExclusiveLock on relation Y; blocked by process A" (test_claims_crawl, two harvests
    starting at once, once in a make test loop under load). Asking the catalog first takes no
    lock on any table, so a complete schema is opened without touching one.
    """
    tables = set(database.get_tables())
    created = []
    for model in sort_models(models):  # a table before the tables whose foreign keys point at it
        table = model._meta.table_name
        if table not in tables:
            model.create_table(safe=True)
            created.append(table)
            continue
        present = {index.name for index in database.get_indexes(table)}
        for index in model._meta.fields_to_index():
            if index._name not in present:
                database.execute(model._schema._create_index(index, safe=True))
                created.append(index._name)
    return created
