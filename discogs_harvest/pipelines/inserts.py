"""Multi-row inserts whose SQL text peewee renders once per shape, then reused with new values.

Storage writes the same few statements batch after batch: ``INSERT INTO tracks (...) VALUES
(...), (...) ON CONFLICT (...) DO UPDATE SET ...`` with only the values and the number of rows
changing. peewee builds each one node by node (a ``Value`` per cell, the conflict clause, the
quoting), which was most of storage's cost on the event loop, far more than SQLite's own work
(issue 12's profile). :class:`Inserts` asks peewee for the text of a shape once (the model,
the columns of the rows, the conflict clause), for one row and for two, and keeps its parts;
a batch of that shape gets the text for its number of rows from them, and its parameters the
way peewee computes them (the fields' defaults for absent columns, each field's ``db_value``).

The text is peewee's own, so it is the same on SQLite and PostgreSQL (with PostgreSQL's
``RETURNING``); ``tests/pipelines/test_inserts.py`` compares text and parameters with peewee's
for every shape storage writes. A row holding a peewee expression, or a shape whose conflict
clause carries parameters that are not constant, falls back to peewee.

A batch's deletes and updates are kept the same way: :meth:`Inserts.run_lists` keeps one text
for any lengths of its ``IN`` and ``VALUES`` lists (the links replaced, the stale-tracks
delete), checked against peewee's parameters before it is kept; so are the two reads of a
batch of listings (which albums are stored, the stored rows their events compare).
"""

import datetime
from operator import contains, itemgetter

from peewee import (BooleanField, DateTimeField, Field, FloatField, ForeignKeyField, IntegerField, Node,
                    _StringField)

_MISSING = object()
_CALLED = object()  # where a callable default's value goes when checking a shape


class Inserts:
    """Kept statement texts of one database; ``run(shape, model, rows, build)`` writes ``rows``.

    ``database()`` gives the database to run them on: the one the models are bound to now
    (:func:`~discogs_harvest.freshness.database_for`), whose transaction they join.

    ``build(rows)`` returns the peewee query for ``rows`` (``model.insert_many(rows)...``);
    ``shape`` names its conflict clause (the same clause for the same name, and parameters in
    it, if any, the same every time: they are kept with the text).
    """

    def __init__(self, database):
        self.database = database
        self.templates = {}  # (shape, model, columns) -> Template, or None: peewee writes that shape
        self.lists = {}  # run_lists' key -> its text for any list lengths, or None
        self.rendered = 0  # texts peewee rendered (a test reads it)

    def run(self, shape, model, rows, build):
        database = self.database()  # (also points the models at it, for peewee's way below)
        key = (shape, model, tuple(rows[0]))
        if key not in self.templates:
            self.templates[key] = self.template(model, rows[0], build)
        template = self.templates[key]
        params = values(template.plan, rows) if template is not None else None
        if params is None:
            return build(rows).execute()  # a shape or a row this module cannot repeat: peewee's way
        return database.execute_sql(template.text(len(rows)), params + template.tail)

    def template(self, model, row, build):
        """The shape of ``build``'s statement, from peewee's texts for one row and for two; or None.

        The text of n rows is then peewee's prefix, n copies of the row's group of parameters
        (``(?, ?, ...)``) and peewee's suffix (the conflict clause): the text for two rows
        proves the pattern before it is used."""
        plan = column_plan(model, row)
        if plan is None:
            return None
        one, params = build([row]).sql()
        two, _ = build([row, row]).sql()
        self.rendered += 1
        own = values(plan, [row], called=_CALLED)
        if own is None or len(params) < len(own) or any(
                mine is not _CALLED and _unwrapped(mine) != _unwrapped(theirs) for mine, theirs in zip(own, params)):
            return None
        group = "(" + ", ".join([self.database().param] * len(plan)) + ")"
        start = one.find(" VALUES " + group)
        if start < 0:
            return None
        start += len(" VALUES ")
        prefix, suffix = one[:start], one[start + len(group):]
        if two != f"{prefix}{group}, {group}{suffix}":
            return None
        return Template(prefix, group, suffix, plan, params[len(own):])

    def run_lists(self, key, lists, build):
        """Run ``build(*lists)``, a statement whose parameters are ``lists`` one after the other:
        an ``IN (?, ...)`` list of values, or a ``(VALUES (?, ?), ...)`` list of equal tuples.

        Its text is peewee's for one item a list with each list's parameter group repeated
        (checked against peewee's text for two and three items a list when first kept)."""
        database = self.database()
        if key not in self.lists:
            self.lists[key] = self.list_template(database, lists, build)
        template = self.lists[key]
        if template is None or any(not items for items in lists):
            return build(*lists).execute()
        sql = template(*(len(items) for items in lists))
        params = [value for items in lists for item in items
                  for value in (item if isinstance(item, tuple) else (item,))]
        return database.execute_sql(sql, params)

    def list_template(self, database, lists, build):
        """:meth:`run_lists`' text as a function of the list lengths, or None (peewee's way)."""
        if any(not items for items in lists):
            return None
        groups = []  # (one item's list as peewee renders it, its opening, one item's group, closing)
        for items in lists:
            if isinstance(items[0], tuple):
                group = "(" + ", ".join([database.param] * len(items[0])) + ")"
                groups.append((f"(VALUES {group})", "(VALUES ", group, ")"))
            else:
                groups.append((f"IN ({database.param})", "IN (", database.param, ")"))
        one, _ = build(*[items[:1] for items in lists]).sql()
        parts = [one]
        for single, opening, _, closing in groups:
            head, found, tail = parts[-1].partition(single)
            if not found:
                return None
            parts[-1:] = [head + opening, closing + tail]

        def render(*counts):
            out = [parts[0]]
            for (_, _, group, _), count, part in zip(groups, counts, parts[1:]):
                out.append(", ".join([group] * count))
                out.append(part)
            return "".join(out)

        self.rendered += 1
        for count in (2, 3):
            sample = [(items * count)[:count] for items in lists]
            expected, params = build(*sample).sql()
            mine = [value for items in sample for item in items
                    for value in (item if isinstance(item, tuple) else (item,))]
            if render(*[count] * len(lists)) != expected or [_unwrapped(p) for p in params] != mine:
                return None
        return render


class Template:
    """A statement's text for any number of rows, and how to compute each row's parameters."""

    __slots__ = ("prefix", "group", "suffix", "plan", "tail", "texts")

    def __init__(self, prefix, group, suffix, plan, tail):
        self.prefix, self.group, self.suffix, self.plan, self.tail = prefix, group, suffix, plan, tail
        self.texts = {}  # row count -> text

    def text(self, rows):
        text = self.texts.get(rows)
        if text is None:
            text = self.texts[rows] = self.prefix + ", ".join([self.group] * rows) + self.suffix
        return text


def _unwrapped(value):
    """A blob's bytes: psycopg2 wraps each in a new ``Binary``, equal only to itself."""
    return getattr(value, "adapted", value)


def column_plan(model, row):
    """``[(key in the row or None, default, nullable, db_value, unchanged types)]`` in peewee's column
    order, or None.

    peewee (``Insert._generate_insert``) inserts the row's keys plus every field with a default
    that the row lacks, sorted by field order; a value absent from a row is the field's default
    (called if callable), else NULL for a nullable field.
    """
    fields = model._meta.combined
    defaults = model._meta.defaults
    columns = {}
    for key in row:
        field = fields.get(key) if isinstance(key, str) else None
        if field is None or field in columns:
            return None
        columns[field] = key
    for field in defaults:
        columns.setdefault(field, None)
    ordered = sorted(columns, key=lambda field: field._sort_key)
    return [(columns[field], defaults.get(field, _MISSING), field.null, field.db_value, unchanged(field))
            for field in ordered]


# peewee's ``Field.db_value`` is ``None`` for ``None``, else ``adapt(value)``; these adapters give a
# value of exactly these types back unchanged (``int(3)``, ``str("a")``...), so ``values`` skips the call.
_ADAPTED = {IntegerField.adapt: (int,), FloatField.adapt: (float,), _StringField.adapt: (str,),
            BooleanField.adapt: (bool,), DateTimeField.adapt: (datetime.datetime,)}


def unchanged(field):
    """The types whose values ``field.db_value`` returns as they are (``None`` always among them),
    or None when its ``db_value`` or ``adapt`` is another (blobs...): then it is always called.

    A foreign key's ``db_value`` is its related field's for any value but a model instance
    (never of these types): the ``album`` column of every link table, a call a cell otherwise."""
    if isinstance(field, ForeignKeyField) and type(field).db_value is ForeignKeyField.db_value:
        return unchanged(field.rel_field)
    if type(field).db_value is not Field.db_value:
        return None
    adapt = getattr(type(field), "adapt", None)
    if adapt not in _ADAPTED:
        return None
    return frozenset((type(None), *_ADAPTED[adapt]))


def direct(plan):
    """``(getter, types)`` when every column of ``plan`` is a key of the row whose values of
    some types go in unchanged: ``getter(row)`` is the row's cells in column order, and a row
    whose cells are all of their column's ``types`` needs nothing more. Else None."""
    if not plan or any(key is None or same is None for key, _, _, _, same in plan):
        return None
    keys = [key for key, *_ in plan]
    getter = itemgetter(*keys) if len(keys) > 1 else (lambda row, key=keys[0]: (row[key],))
    return getter, tuple(same for *_, same in plan)


def values(plan, rows, called=None):
    """The parameters of ``rows`` as peewee gives them, or None when a row needs peewee itself.

    With ``called``, a value a callable default would give (a timestamp) is ``called`` instead.
    A row that has every column and only values that go in unchanged (:func:`direct`) is
    taken whole; any other row cell by cell."""
    params = []
    append = params.append
    fast = direct(plan)
    for row in rows:
        if fast is not None:
            try:
                cells = fast[0](row)
            except KeyError:
                cells = None
            if cells is not None and all(map(contains, fast[1], map(type, cells))):
                params += cells
                continue
        for key, default, nullable, db_value, same in plan:
            value = row.get(key, _MISSING) if key is not None else _MISSING
            if value is _MISSING:
                if default is not _MISSING and callable(default):
                    if called is not None:
                        append(called)
                        continue
                    value = default()
                elif default is not _MISSING:
                    value = default
                elif nullable:
                    value = None
                else:
                    return None
            if same is not None and type(value) in same:
                append(value)  # what db_value would return
                continue
            if isinstance(value, Node):
                return None
            append(db_value(value))
    return params
