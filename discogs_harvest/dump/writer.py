"""The storage pipeline's writer with its two bulk statements run as ``executemany``.

An import writes hundreds of thousands of releases through
:meth:`StoragePipeline.write_records <discogs_harvest.pipelines.storage.StoragePipeline.write_records>`
(the same rows, the same order of tables, the same upsert rules as a harvest). Profiling a
dump import showed nine tenths of that time in peewee building the text of multi-row
``INSERT`` statements (a ``Value`` node per parameter), not in the database. :class:`DumpWriter`
overrides only the two methods that send rows:

- :meth:`upsert`: ``INSERT INTO t (..) VALUES (?, ..) ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c``
  for every column but the kept ones, the statement built once per table and columns and run
  with the DB-API ``executemany`` (PEP 249; sqlite3 and psycopg2 both take it); values go
  through each field's ``db_value`` as peewee would send them. Upserts with an ``update``
  expression (only listings have one) go to the pipeline's own method.
- :meth:`replace_links`: the same delete, then ``INSERT .. ON CONFLICT DO NOTHING`` by
  ``executemany`` (SQLite >= 3.24 and PostgreSQL spell it alike).

Settings: as :class:`~discogs_harvest.pipelines.storage.StoragePipeline`.
"""

from types import SimpleNamespace

from peewee import chunked

from discogs_harvest.models import Track
from discogs_harvest.pipelines.rows import track_rows
from discogs_harvest.pipelines.storage import StoragePipeline
from discogs_harvest.rebuild import Counter


class DumpWriter(StoragePipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.keep_bodies = False  # the dump file is the source kept; no API body to keep
        self.statements = {}

    @classmethod
    def for_settings(cls, settings):
        return cls(SimpleNamespace(settings=settings, stats=Counter()))

    def _statement(self, model, names, conflict, keep, ignore):
        key = (model, names, conflict, keep, ignore)
        statement = self.statements.get(key)
        if statement is None:
            database = model._meta.database
            param = database.param
            # As peewee's insert_many: a field the rows leave out gets its Python default on
            # insert (and is not touched by the update).
            defaults = [f for f in model._meta.sorted_fields if f.name not in names and f.default is not None
                        and not (f.primary_key and f.name == "id")]
            fields = [model._meta.fields[name] for name in names] + defaults
            columns = ", ".join(f'"{field.column_name}"' for field in fields)
            sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({", ".join([param] * len(fields))})'
            if ignore:
                sql += " ON CONFLICT DO NOTHING"
            else:
                target = ", ".join(f'"{field.column_name}"' for field in conflict)
                fixed = {field.name for field in conflict} | set(keep)
                sets = ", ".join(f'"{f.column_name}" = EXCLUDED."{f.column_name}"' for f in fields
                                 if f.name not in fixed and f.name in names)
                sql += f" ON CONFLICT ({target}) " + (f"DO UPDATE SET {sets}" if sets else "DO NOTHING")
            statement = self.statements[key] = (sql, [field.db_value for field in fields[:len(names)]], defaults)
        return statement

    def _send(self, model, rows, conflict=(), keep=(), ignore=False):
        names = tuple(rows[0])
        sql, converters, defaults = self._statement(model, names, tuple(conflict), tuple(keep), ignore)
        values = [tuple(convert(row[name]) for convert, name in zip(converters, names))
                  + tuple(f.db_value(f.default() if callable(f.default) else f.default) for f in defaults)
                  for row in rows]
        cursor = model._meta.database.cursor()
        for chunk in chunked(values, 10_000):
            cursor.executemany(sql, chunk)

    def upsert(self, model, rows, conflict_target, keep=(), update=None):
        if update:
            return super().upsert(model, rows, conflict_target, keep, update)
        if not rows:
            return 0
        self._send(model, rows, conflict_target, keep)
        return len(rows)

    def write_tracks(self, releases):
        """Upsert by (album, sequence), then delete each album's rows beyond its tracklist.

        The pipeline's delete names every kept (album, sequence) pair in one ``NOT IN (VALUES
        ..)``: a statement whose text changes with every batch, and SQLite's statement cache
        (128 per connection) keeps each compiled one, so memory grew with the file. A
        tracklist's sequences are 0 .. n-1 (:func:`processors.flatten_tracklist`), so
        "not kept" is ``sequence >= n``: one fixed statement, run by ``executemany``.
        """
        per_release = {str(item.release_id): track_rows(item) for item in releases}
        bounds = [(album_id, len(album_rows)) for album_id, album_rows in per_release.items()]
        if any(sorted(row["sequence"] for row in per_release[album_id]) != list(range(n)) for album_id, n in bounds):
            return super().write_tracks(releases)  # not 0 .. n-1: the pipeline's own delete
        count = self.upsert(Track, [row for album_rows in per_release.values() for row in album_rows],
                            [Track.album, Track.sequence])
        database = Track._meta.database
        sql = (f'DELETE FROM "{Track._meta.table_name}" WHERE "album_id" = {database.param} '
               f'AND "sequence" >= {database.param}')
        database.cursor().executemany(sql, bounds)
        return count

    def replace_links(self, model, album_ids, rows):
        for chunk in chunked(album_ids, self.max_variables):
            model.delete().where(model.album.in_(chunk)).execute()
        if rows:
            self._send(model, rows, ignore=True)
        return len(rows)
