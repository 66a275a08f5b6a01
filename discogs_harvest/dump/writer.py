"""The storage pipeline's writer with its bulk statements run as ``executemany``, and prepared
in helper processes.

An import writes hundreds of thousands of releases through
:meth:`StoragePipeline.write_records <discogs_harvest.pipelines.storage.StoragePipeline.write_records>`
(the same rows, the same order of tables, the same upsert rules as a harvest). Profiling a
dump import showed nine tenths of that time in peewee building the text of multi-row
``INSERT`` statements (a ``Value`` node per parameter), not in the database. :class:`DumpWriter`
overrides only the methods that send rows:

- :meth:`upsert`: ``INSERT INTO t (..) VALUES (?, ..) ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c``
  for every column but the kept ones, the statement built once per table and columns and run
  with the DB-API ``executemany`` (PEP 249; sqlite3 and psycopg2 both take it); values go
  through each field's ``db_value`` as peewee would send them. Upserts with an ``update``
  expression (only listings have one) go to the pipeline's own method.
- :meth:`replace_links`: ``DELETE .. WHERE album_id = ?`` and ``INSERT .. ON CONFLICT DO NOTHING``,
  both by ``executemany`` (SQLite >= 3.24 and PostgreSQL spell it alike).
- on SQLite, a prepared ``INSERT`` carries ``GROUP_ROWS`` rows a statement (:meth:`DumpWriter._grouped`);
  a genre or style link's rows are grouped so when written, once their names are ids.

Prepared, then written (:meth:`prepare`, :meth:`write_prepared`): everything but the database
work (the loader, the row builders, the statements' parameters) runs in the import's helper
processes, and the importing process only sends what they prepared. :meth:`prepare` runs the
pipeline's own ``write_records`` with the statements recorded instead of sent, so the tables,
their order and their rows stay the pipeline's; what needs the database (the ids of genre and
style names, linking waiting listings, the search index) is recorded as a call that
:meth:`write_prepared` makes in its turn. A genre or style link is recorded with its name
(casefolded, as the pipeline keys the ids) and gets the name's id when written.

Settings: as :class:`~discogs_harvest.pipelines.storage.StoragePipeline`.
"""

import copy
import datetime
import marshal
import pickle
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from types import SimpleNamespace

from operator import itemgetter

from peewee import BooleanField, Field, FloatField, ForeignKeyField, IntegerField, SqliteDatabase, _StringField

from discogs_harvest.models import AlbumGenre, AlbumStyle, CollectionItem, Genre, Style, Track
from discogs_harvest.pipelines.rows import track_rows
from discogs_harvest.pipelines.storage import StoragePipeline
from discogs_harvest.rebuild import Counter

# Link tables whose rows name a genre or style: (the link's column, the names' table).
NAMED_LINKS = {AlbumGenre: ("genre", Genre), AlbumStyle: ("style", Style)}
# The names' tables by table name: a prepared batch names them so (see Prepared.pack).
NAMES = {model._meta.table_name: model for _, model in NAMED_LINKS.values()}
# Rows sent per executemany call.
CHUNK = 10_000
# Rows per INSERT statement when writing to SQLite (see DumpWriter._grouped).
GROUP_ROWS = 16


ANY = object()
# What ``db_value`` returns unchanged, by the field's ``adapt`` (peewee: ``db_value`` is
# ``None`` or ``adapt(value)`` unless a field overrides it).
UNCHANGED = {Field.adapt: ANY, IntegerField.adapt: int, FloatField.adapt: float, _StringField.adapt: str,
             BooleanField.adapt: bool}
_kept = {}
_ONLY_NULL = {type(None)}
_FLAGS = frozenset((bool, type(None)))


def driver_adapters(database):
    """``{type: adapter}`` the driver applies to parameters itself: sqlite3's registered adapters
    for dates and times (its defaults give ISO text), and ``bool`` as ``int``. Applied while
    preparing, the value the database gets is the same and the importing process no longer
    adapts (or unpickles) them.

    sqlite3 binds a value of exactly ``int``, ``float``, ``str`` or ``bytearray`` as it is and
    looks every other one up for an adapter first (CPython ``Modules/_sqlite/cursor.c``,
    ``need_adapt``); a ``bool`` without one is then bound as the integer it is. The look-up
    made a ``bool`` parameter cost about 0.23 us against 0.01 for an ``int`` (a dump release
    has some 25 of them, mostly the tracks' flags)."""
    if not isinstance(getattr(database, "obj", database), SqliteDatabase):  # a DatabaseProxy's database
        return {}
    adapters = {kind: adapter for kind in (datetime.datetime, datetime.date, bool)
                if (adapter := sqlite3.adapters.get((kind, sqlite3.PrepareProtocol))) is not None}
    adapters.setdefault(bool, int)
    return adapters


# sqlite3 looks a ``None`` parameter up for an adapter too (see driver_adapters), and finding
# none cost about 0.23 us a value (a dump release binds some 110 NULLs, 70 of them in its
# tracks); a registered adapter is found at once and called, and one returning ``None`` has it
# bound as NULL all the same (Python docs, sqlite3 "How to adapt custom Python types to SQLite
# values"). ``{}.get`` is such an adapter written in C (no Python frame per value).
_NULL_KEY = (type(None), sqlite3.PrepareProtocol)
_NULL_ADAPTER = {}.get


@contextmanager
def nulls_adapted(database):
    """While writing to SQLite: ``None`` parameters adapted at once (to ``None``), not after a
    fruitless look-up; an adapter someone registered for ``None`` stays."""
    if not isinstance(getattr(database, "obj", database), SqliteDatabase) or _NULL_KEY in sqlite3.adapters:
        yield
        return
    sqlite3.adapters[_NULL_KEY] = _NULL_ADAPTER
    try:
        yield
    finally:
        if sqlite3.adapters.get(_NULL_KEY) is _NULL_ADAPTER:
            del sqlite3.adapters[_NULL_KEY]


def _one_object(column):
    """Whether a column holds one object throughout (a batch's time stamps: ``albums.created_at``,
    ``updated_at``): it is then converted and adapted once, not per row (turning them into ISO
    text per row was about a twentieth of the parameters' cost on a generated dump)."""
    return len(column) > 1 and len(set(map(id, column))) == 1


def kept_types(field):
    """The value types ``field.db_value`` returns as they are (``ANY``: every type)."""
    if field not in _kept:
        target = field.rel_field if isinstance(field, ForeignKeyField) else field
        kept = set()
        if type(target).db_value is Field.db_value:
            kept = UNCHANGED.get(type(target).adapt, set())
            kept = kept if kept is ANY or isinstance(kept, set) else {kept}
        _kept[field] = kept if kept is ANY else frozenset(kept) | {type(None)}
    return _kept[field]


@dataclass
class Prepared:
    """One batch of releases, ready to write: ``steps`` in order, each
    ``("many", sql, parameter tuples)``, ``("delete", sql, parameter tuples, the album id
    first)``, ``("call", method name, args)`` or ``("named", sql, parameter tuples, column
    index, names' table name)``."""

    release_ids: list
    steps: list
    rows: int

    def pack(self):
        """The batch as bytes, for a helper process to hand to the importing process.

        ``marshal`` (the batch holds only lists, tuples, dicts, strings, numbers and None):
        pickling a batch cost a helper about 17 us a release and ``marshal`` 7, and the
        importing process reads it back in about 9 us against pickle's 11 (measured on a
        generated dump). Helper and importer are one Python (forked), as ``marshal``'s format
        requires (Python docs, marshal: "not guaranteed to be compatible across Python
        versions"). A batch with values ``marshal`` does not write (dates and times, sent as
        they are to PostgreSQL) is pickled."""
        state = (self.release_ids, self.steps, self.rows)
        try:
            return b"m" + marshal.dumps(state)
        except ValueError:
            return b"p" + pickle.dumps(state, pickle.HIGHEST_PROTOCOL)

    @classmethod
    def unpack(cls, data):
        load = marshal.loads if data[:1] == b"m" else pickle.loads
        return cls(*load(memoryview(data)[1:]))


class DumpWriter(StoragePipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.keep_bodies = False  # the dump file is the source kept; no API body to keep
        self.statements = {}
        self.steps = None  # a list while preparing: statements are recorded, not sent
        # Rows per INSERT statement (see _grouped): SQLite only.
        database = self.database_of()
        self.group_rows = GROUP_ROWS if isinstance(getattr(database, "obj", database), SqliteDatabase) else 1

    @classmethod
    def for_settings(cls, settings):
        return cls(SimpleNamespace(settings=settings, stats=Counter()))

    # --- prepared, then written -----------------------------------------------------------

    def prepare(self, releases, now):
        """The batch as :meth:`write_records` would write it, recorded (no database needed)."""
        recorder = copy.copy(self)
        recorder.steps = []
        rows = recorder.write_records(releases, [], now)
        return Prepared([item.release_id for item in releases], recorder.steps, rows)

    def write_prepared(self, prepared, stored=None):
        """Send a prepared batch (in the caller's transaction); returns the rows written.

        ``stored``, when given, holds those of the batch's album ids (text) that the albums
        table held before the batch, read in the same transaction: a ``delete`` step (the rows
        of an album that the batch replaces) is sent for those only. An album not stored has
        none to delete: every table those steps clear references ``albums`` by a foreign key."""
        cursor = None
        database = self.database_of()
        with nulls_adapted(database):
            for step in prepared.steps:
                if step[0] == "call":
                    getattr(self, step[1])(*step[2])
                    continue
                if step[0] == "delete":
                    _, sql, values = step
                    if stored is not None:
                        values = [row for row in values if row[0] in stored]
                elif step[0] == "named":
                    _, sql, values, column, names = step
                    ids = self.name_ids[NAMES[names]]
                    values = [row[:column] + (ids[row[column]],) + row[column + 1:] for row in values]
                    if self.group_rows > 1 and len(values) > 1:  # several rows a statement, once named
                        for _, sql, values in self._grouped(sql, values):
                            cursor = self._send(cursor or database.cursor(), sql, values)
                        continue
                else:
                    _, sql, values = step
                cursor = self._send(cursor or database.cursor(), sql, values)
        return prepared.rows

    @staticmethod
    def _send(cursor, sql, values):
        for start in range(0, len(values), CHUNK):
            cursor.executemany(sql, values[start:start + CHUNK])
        return cursor

    @staticmethod
    def database_of():
        return Track._meta.database

    def _run(self, sql, values, named=None, kind="many"):
        if self.steps is not None:
            if named is None and kind == "many" and self.group_rows > 1 and len(values) > 1:
                self.steps.extend(self._grouped(sql, values))
            else:
                self.steps.append((kind, sql, values) if named is None else ("named", sql, values, *named))
            return
        database = self.database_of()
        cursor = database.cursor()
        with nulls_adapted(database):
            for start in range(0, len(values), CHUNK):
                cursor.executemany(sql, values[start:start + CHUNK])

    def _grouped(self, sql, values):
        """An ``INSERT``'s rows as steps of ``GROUP_ROWS`` rows a statement (``VALUES (..), (..)``),
        the rows left over one a statement.

        Each statement ``executemany`` runs costs SQLite a reset, a bind of its parameters and
        a run of its program start to end: for a dump release's twenty-odd small rows, 16 rows
        a statement cut the importing process's writing by about a fifth (callgrind, on a
        generated dump; 50 rows a statement saved 1 % more). SQLite only: it applies an upsert to a statement's rows one after
        the other, as to consecutive statements (a later row that conflicts with an earlier
        one updates it), where PostgreSQL refuses a statement that affects a row twice
        (``ON CONFLICT DO UPDATE command cannot affect row a second time``)."""
        width = len(values[0])
        rows = min(self.group_rows, self.max_variables // max(width, 1))
        full = len(values) - len(values) % rows if rows > 1 else 0
        if not full:
            return [("many", sql, values)]
        key = (sql, rows)
        text = self.statements.get(key)
        if text is None:
            # Our statements' text (see _statement, _text): "INSERT .. VALUES (<row>) <tail>",
            # the row holding only parameters and NULLs.
            head, _, rest = sql.partition(" VALUES (")
            row, _, tail = rest.partition(")")
            text = self.statements[key] = f"{head} VALUES ({'), ('.join([row] * rows)}){tail}"
        flat = chain.from_iterable(values[:full])  # the parameters in order, cut into groups by zip
        steps = [("many", text, list(zip(*[flat] * (rows * width))))]
        if full < len(values):
            steps.append(("many", sql, values[full:]))
        return steps

    def _call(self, name, *args):
        """Record a call to the pipeline's ``name`` when preparing; True if recorded."""
        if self.steps is None:
            return False
        self.steps.append(("call", name, args))
        return True

    # --- statements ------------------------------------------------------------------------

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
            head = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ('
            if ignore:
                tail = ") ON CONFLICT DO NOTHING"
            else:
                target = ", ".join(f'"{field.column_name}"' for field in conflict)
                fixed = {field.name for field in conflict} | set(keep)
                sets = ", ".join(f'"{f.column_name}" = EXCLUDED."{f.column_name}"' for f in fields
                                 if f.name not in fixed and f.name in names)
                tail = f") ON CONFLICT ({target}) " + (f"DO UPDATE SET {sets}" if sets else "DO NOTHING")
            statement = self.statements[key] = ((head, param, len(fields), tail),
                                                [field.db_value for field in fields[:len(names)]], defaults)
        return statement

    def _text(self, parts, nulls=()):
        """A statement's text with ``NULL`` written in place of the parameters at ``nulls``."""
        key = (parts, nulls)
        text = self.statements.get(key)
        if text is None:
            head, param, count, tail = parts
            text = self.statements[key] = head + ", ".join(
                "NULL" if index in nulls else param for index in range(count)) + tail
        return text

    def _values(self, model, rows, conflict=(), keep=(), ignore=False, raw=None):
        """The statement, its parameter tuples and the row keys; column ``raw`` unconverted.

        Values go through their field's ``db_value`` as peewee sends them, a column at a time:
        a column whose values are all of a type ``db_value`` returns unchanged (:func:`kept_types`)
        is taken as it is. Each column's set of value types is read once and answers every
        question asked of the column (convert? adapt? all NULL?)."""
        names = tuple(rows[0])
        sql, converters, defaults = self._statement(model, names, tuple(conflict), tuple(keep), ignore)
        if len(names) == 1:
            columns = [[row[names[0]] for row in rows]]
        else:
            columns = list(zip(*map(itemgetter(*names), rows)))
        types = []
        for index, (name, convert) in enumerate(zip(names, converters)):
            kinds = set(map(type, columns[index]))
            if name != raw:
                kept = kept_types(model._meta.fields[name])
                if kept is not ANY and not kept.issuperset(kinds):
                    column = columns[index]
                    columns[index] = ([convert(column[0])] * len(column) if _one_object(column)
                                      else [convert(value) for value in column])
                    kinds = set(map(type, columns[index]))
            types.append(kinds)
        # A field the rows leave out: its default, evaluated per row as peewee does.
        for field in defaults:
            if callable(field.default):
                columns.append([field.db_value(field.default()) for _ in rows])
            else:
                columns.append([field.db_value(field.default)] * len(rows))
            types.append(set(map(type, columns[-1])))
        adapters = driver_adapters(model._meta.database)
        if adapters:
            for index, column in enumerate(columns):
                if not adapters.keys().isdisjoint(types[index]):
                    if types[index] <= _FLAGS:  # True, False, None: adapted by a look-up made in C
                        adapted = {flag: adapters[bool](flag) for flag in (True, False)}
                        columns[index] = list(map(adapted.get, column, column))
                    else:
                        adapt = adapters.get(type(column[0]))
                        if adapt is not None and _one_object(column):
                            columns[index] = [adapt(column[0])] * len(column)
                        else:
                            columns[index] = [adapters[type(value)](value) if type(value) in adapters else value
                                              for value in column]
                    types[index] = set(map(type, columns[index]))
        # A column that is NULL in every row is written as NULL in the text instead of bound
        # row by row: sqlite3 looks every None parameter up for an adapter (see driver_adapters,
        # nulls_adapted), which cost the importing process about a seventh of its time on a
        # generated dump, where about 85 of a release's 113 NULLs are in such columns (the
        # dump has no community figures, prices, image URLs, ...). The database gets the same
        # NULLs; the statement's text then depends on which columns are all NULL (a few shapes).
        named = names.index(raw) if raw is not None else -1
        nulls = tuple(index for index, kinds in enumerate(types) if kinds == _ONLY_NULL and index != named)
        if nulls:
            columns = [column for index, column in enumerate(columns) if index not in nulls]
            names = tuple(name for index, name in enumerate(names) if index not in nulls)
        return self._text(sql, nulls), list(zip(*columns)) if columns else [()] * len(rows), names

    # --- the pipeline's writing methods ---------------------------------------------------------

    def upsert(self, model, rows, conflict_target, keep=(), update=None):
        if update:
            if self.steps is not None:
                raise NotImplementedError("an upsert with an update expression cannot be prepared")
            return super().upsert(model, rows, conflict_target, keep, update)
        if not rows:
            return 0
        sql, values, _ = self._values(model, rows, conflict_target, keep)
        self._run(sql, values)
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
        count = self.upsert(Track, [row for album_rows in per_release.values() for row in album_rows],
                            [Track.album, Track.sequence])
        if any(sorted(row["sequence"] for row in per_release[album_id]) != list(range(n)) for album_id, n in bounds):
            # not 0 .. n-1: the pipeline's own delete
            self.delete_stale_tracks({album_id: [row["sequence"] for row in album_rows]
                                      for album_id, album_rows in per_release.items()})
            return count
        param = Track._meta.database.param
        self._run(f'DELETE FROM "{Track._meta.table_name}" WHERE "album_id" = {param} AND "sequence" >= {param}',
                  bounds, kind="delete")
        return count

    def delete_stale_tracks(self, kept):
        if not self._call("delete_stale_tracks", kept):
            super().delete_stale_tracks(kept)

    def replace_links(self, model, album_ids, rows):
        column = model.album.column_name
        self._run(f'DELETE FROM "{model._meta.table_name}" WHERE "{column}" = {model._meta.database.param}',
                  [(album_id,) for album_id in album_ids], kind="delete")
        if rows:
            named = NAMED_LINKS.get(model) if self.steps is not None else None
            # Preparing: the name stays as it is (an id is an int already once mapped).
            sql, values, keys = self._values(model, rows, ignore=True, raw=named[0] if named else None)
            self._run(sql, values, (keys.index(named[0]), named[1]._meta.table_name) if named else None)
        return len(rows)

    def ids_of_names(self, model, names):
        """As the pipeline's; ``model`` may be given by table name (as a prepared batch records it)."""
        model = NAMES.get(model, model)
        if not self._call("ids_of_names", model._meta.table_name, list(names)):
            return super().ids_of_names(model, names)
        # Preparing: a name stands for its id (the pipeline keys ids by casefolded name) until
        # write_prepared maps it (see NAMED_LINKS).
        return {name.casefold(): name.casefold() for name in names}

    def link_listings(self, release_ids):
        """The pipeline's update, its text built by hand (peewee's query building cost more
        than the update)."""
        if self._call("link_listings", list(release_ids)):
            return
        database = self.database_of()
        ids = sorted(release_ids)
        for start in range(0, len(ids), self.max_variables):
            chunk = ids[start:start + self.max_variables]
            database.execute_sql(
                f'UPDATE "{CollectionItem._meta.table_name}" SET "album_id" = CAST("release_id" AS TEXT) '
                f'WHERE ("album_id" IS NULL AND "release_id" IN ({", ".join([database.param] * len(chunk))}))',
                chunk)

    def refresh_search(self, album_ids):
        if not self._call("refresh_search", list(album_ids)):
            super().refresh_search(album_ids)
