"""Item loaders: which part of a Discogs JSON body fills which item field.

The loaders only declare wiring (``<field>_in``/``<field>_out`` processors from
:mod:`discogs_harvest.processors`); the ``load_*`` functions name the JMESPath of
each field, in :class:`FieldPaths` tables read with ``add_jmes_paths`` (one
``add_jmes`` per pair, in one loop) and with ``add_jmes``, the way ``add_css`` names
parts of an HTML page. Lists of objects (``artists``, ``formats``, ``images``,
``tracklist``, ``videos``) go in with ``add_value`` instead: ``add_jmes`` passes what it
selects through ``parsel.utils.flatten``, which treats a dict as a sequence and turns an
object into its keys (itemloaders 1.5, ``ItemLoader._get_jmesvalues``).
Entry points for the spiders: :func:`load_listing`, :func:`load_release`,
:func:`load_seller`. No settings.

One loader per record, and what it costs (measured on the recorded brotherlogic pages
and releases by ``tests/bench/bench_loaders.py``; ``tests/test_loaders.py`` checks that
every recorded listing and release loads exactly as on stock itemloaders):

- :class:`LeanLoader` (the base of every loader here) keeps itemloaders' API and items but
  does per class what itemloaders does per value: each field's processors are looked up
  once and compiled (``MapCompose``/``Compose`` whose functions take no loader context
  become :class:`Each`/:class:`Whole`, called without re-wrapping every function), JMESPath
  queries are compiled once and plain dotted paths walked key by key
  (:class:`JsonSelector`, on the body Scrapy already decoded), and ``load_item`` sets a
  dataclass item's attributes directly;
- every item field gets its ``_in``/``_out`` attribute when the loader class is defined,
  so itemloaders never falls back to its per-value field-metadata lookup;
- a listing's seller is loaded once per seller id when the caller keeps a dict of them
  (the spider does: every listing of a page repeats its seller);
- the nested records of a release (credits, labels, formats, tracks, videos) are plain
  functions, one object in and one item out, not loaders: a release has tens of them,
  each field a single value through a single clean-up function, and a loader per row
  cost about half of ``load_release``. That is the documented exception to "a loader per
  record": those rows are parts of the release record, whose loader collects them.
"""

import re
from dataclasses import fields, is_dataclass
from functools import lru_cache

import jmespath
from itemloaders import ItemLoader, unbound_method
from itemloaders.processors import Compose, Identity, MapCompose, TakeFirst
from itemloaders.utils import arg_to_iter, get_func_args
from parsel.utils import flatten

from discogs_harvest import processors as p
from discogs_harvest.items import (
    CreditItem,
    EntityItem,
    FormatItem,
    IdentifierItem,
    ImageItem,
    ListingItem,
    ReleaseItem,
    SellerItem,
    TrackItem,
    VideoItem,
)
from discogs_harvest.pagetext import listing_raw

# --- reading decoded JSON -----------------------------------------------------

# A plain path: names joined by dots, each optionally followed by list indexes (``labels[0].name``).
_NAME = r"[A-Za-z_][A-Za-z0-9_]*(?:\[[0-9]+\])*"
_PLAIN_PATH = re.compile(rf"{_NAME}(?:\.{_NAME})*")
_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[([0-9]+)\]")


@lru_cache(maxsize=512)
def _compile(query):
    """A plain path as a tuple of steps (a key, or an ``int`` list index), anything else as a
    compiled JMESPath."""
    if _PLAIN_PATH.fullmatch(query):
        return tuple(key if key else int(index) for key, index in _STEP.findall(query))
    return jmespath.compile(query)


class _Values(list):
    __slots__ = ()

    def getall(self):
        return self


def _search(root, compiled):
    """What a query :func:`_compile` d to ``compiled`` selects in ``root`` (``None``: nothing).

    A plain path is walked step by step as JMESPath does: a key of a non-object, an index of
    a non-list or one past its end select nothing (JMESPath specification, "Index
    Expressions": an index out of range is ``null``)."""
    if compiled.__class__ is tuple:
        result = root
        for step in compiled:
            if step.__class__ is str:
                if not isinstance(result, dict):
                    return None
                result = result.get(step)
            elif isinstance(result, list) and step < len(result):
                result = result[step]
            else:
                return None
        return result
    return compiled.search(root)


# JSON values that parsel's ``flatten`` keeps as they are (everything else is list-like).
_FLAT = frozenset((str, int, float, bool, type(None)))


class JsonSelector:
    """The part of :class:`parsel.Selector` that ``ItemLoader.add_jmes`` uses, for JSON
    that Scrapy already decoded (``response.json()``).

    ``jmespath(query).getall()`` returns what ``parsel.Selector(root=data)`` returns
    (a list result spread into values, ``null`` as no value) without wrapping
    each value in a ``Selector``. Plain dotted paths are walked key by key (a
    missing key or a non-object gives no value, as in JMESPath); other queries
    go to ``jmespath``, compiled once.
    """

    __slots__ = ("root",)

    def __init__(self, root):
        self.root = root

    def search(self, query):
        """The JMESPath result itself (``None`` when nothing matches)."""
        return _search(self.root, _compile(query))

    def jmespath(self, query):
        result = self.search(query)
        if result is None:
            return _Values()
        return _Values(result if isinstance(result, list) else (result,))

    def values(self, query):
        """What ``ItemLoader.add_jmes`` collects for one query:
        ``flatten(self.jmespath(query).getall())`` (itemloaders 1.5, ``_get_jmesvalues``),
        without building the intermediate lists for the usual single scalar."""
        return _values_of(self.search(query))


def _values_of(result):
    """:meth:`JsonSelector.values` of a query whose result is ``result``."""
    if result is None:
        return []
    if result.__class__ in _FLAT:
        return [result]
    if result.__class__ is list and all(value.__class__ in _FLAT for value in result):
        return list(result)
    return flatten(result if isinstance(result, list) else (result,))


# What arg_to_iter wraps in a list: JSON's single values and objects, and the items (dataclasses:
# neither lists, tuples, sets nor iterators).
_SINGLE = _FLAT | {dict, CreditItem, EntityItem, FormatItem, IdentifierItem, ImageItem, TrackItem, VideoItem,
                   SellerItem, ListingItem, ReleaseItem}


# --- processors compiled once per loader class ------------------------------------
#
# itemloaders resolves a field's processor on every value added (``get_input_processor``:
# an attribute lookup and ``unbound_method``), wraps it in the loader context
# (``wrap_loader_context``), and ``MapCompose``/``Compose`` wrap each of their functions
# again on every call, building a ``ChainMap`` of contexts (itemloaders 1.5,
# ``itemloaders/__init__.py``, ``processors.py``, ``common.py``). None of our processors
# reads the loader context, so that work gives the same answer every time: it is done once
# per loader class and field instead.


def _takes_context(function):
    try:
        return "loader_context" in get_func_args(function)
    except TypeError:  # not introspectable: let itemloaders decide per call
        return True


def _as_list(value):
    """``arg_to_iter(value)``, the JSON cases and our items first: itemloaders 1.5 tests a
    class that is not iterable twice per call (``_iterable_classes`` only caches it as falsy),
    and a release's tracks and videos (items, from ``MapCompose(load_track)``) come one by one."""
    if value is None:
        return []
    cls = value.__class__
    if cls is list:
        return value
    if cls in _SINGLE:
        return [value]
    return arg_to_iter(value)


class Each:
    """``MapCompose(*functions)`` whose functions take no loader context, ready to call:
    every value through each function in turn, ``None`` results dropped, lists spread;
    the same values and the same errors as ``MapCompose``."""

    __slots__ = ("functions",)

    def __init__(self, functions):
        self.functions = tuple(functions)

    def __call__(self, value):
        values = _as_list(value)
        for function in self.functions:
            next_values = []
            for item in values:
                try:
                    result = function(item)
                    if result.__class__ in _SINGLE and result is not None:  # one value (a row's item)
                        next_values.append(result)
                    else:
                        next_values += _as_list(result)
                except Exception as e:
                    raise ValueError(f"Error in MapCompose with {function!s} value={value!r} "
                                     f"error='{type(e).__name__}: {e!s}'") from e
            values = next_values
        return values


class Whole:
    """``Compose(*functions)`` whose functions take no loader context, ready to call: the
    collected values through each function in turn, stopping at ``None`` unless
    ``stop_on_none=False``; the same value and the same errors as ``Compose``."""

    __slots__ = ("functions", "stop_on_none")

    def __init__(self, functions, stop_on_none=True):
        self.functions = tuple(functions)
        self.stop_on_none = stop_on_none

    def __call__(self, value):
        for function in self.functions:
            if value is None and self.stop_on_none:
                break
            try:
                value = function(value)
            except Exception as e:
                raise ValueError(f"Error in Compose with {function!s} value={value!r} "
                                 f"error='{type(e).__name__}: {e!s}'") from e
        return value


def compile_processor(processor):
    """A one-argument callable that gives what ``processor`` gives in any loader context, or
    ``None`` when some function in it reads the context (the loader then wraps it per call,
    as itemloaders does). ``MapCompose`` becomes :class:`Each`, ``Compose`` :class:`Whole`,
    nested ones included; anything else that takes no context is called as it is."""
    if isinstance(processor, (MapCompose, Compose)):
        functions = [compile_processor(function) for function in processor.functions]
        if any(function is None for function in functions):
            return None
        if isinstance(processor, MapCompose):
            return Each(functions)
        return Whole(functions, processor.stop_on_none)
    return None if _takes_context(processor) else processor


_PER_CALL = object()  # no compiled form: itemloaders' own path, every call
_IN, _OUT = "_in", "_out"


@lru_cache(maxsize=None)
def _field_names(item_class):
    """The field names of a dataclass item class, or ``None`` for any other kind of item."""
    if isinstance(item_class, type) and is_dataclass(item_class) and not issubclass(item_class, dict):
        return frozenset(field.name for field in fields(item_class))
    return None


class FieldPaths:
    """Which JMESPath fills which field, in order: ``loader.add_jmes_paths(paths)`` adds what
    ``loader.add_jmes(field, query)`` for each pair would, in one pass over a table compiled
    once per loader class (the query compiled, the field's input processor looked up).
    A field may appear more than once (``TakeFirst`` then keeps the first value found)."""

    __slots__ = ("pairs", "_rows")

    def __init__(self, *pairs):
        self.pairs = tuple(pairs)
        self._rows = {}  # loader class -> compiled rows

    def __iter__(self):
        return iter(self.pairs)

    def rows(self, loader_class):
        """``(field, first key, rest, compiled query, query, input processor entry, kind)`` per
        pair, where ``first key`` is the first step of a plain path that starts with a key
        (``None`` otherwise), ``rest`` its remaining steps, and ``kind`` says what the processor
        does to one value: ``_ONE`` (``MapCompose`` of one function: that function), ``_SAME``
        (``Identity``) or ``None`` (call it)."""
        rows = self._rows.get(loader_class)
        if rows is None:
            rows = self._rows[loader_class] = tuple(
                (field_name, *_first_key(compiled), compiled, query, entry, _kind(entry))
                for field_name, query in self.pairs
                for compiled, entry in ((_compile(query), loader_class._processor(field_name, _IN)),))
        return rows


def _first_key(compiled):
    """``(key, rest)`` of a plain path whose first step is a key, else ``(None, None)``: on a
    ``dict`` root the key is one ``get`` and a missing key ends the path (most paths of a dump
    release body name keys it does not have)."""
    if compiled.__class__ is tuple and compiled and compiled[0].__class__ is str:
        return compiled[0], compiled[1:]
    return None, None


_ONE, _SAME = "one", "same"


def _kind(entry):
    if entry is _PER_CALL:
        return None
    compiled = entry[0]
    if isinstance(compiled, Each) and len(compiled.functions) == 1:
        return _ONE
    if isinstance(compiled, Identity):
        return _SAME
    return None


class LeanLoader(ItemLoader):
    """An :class:`ItemLoader` with the same API and the same items, whose per-value work is
    done once per class.

    - the ``<field>_in``/``<field>_out`` processors declared on the class are looked up and
      compiled (:func:`compile_processor`) the first time a field is used, then cached on
      the class; a processor that reads the loader context, and a field with no declared
      processor, go through itemloaders per call as before;
    - ``add_jmes`` on a :class:`JsonSelector` takes its values straight from
      :meth:`JsonSelector.values` (compiled JMESPath, plain paths walked key by key), and
      :meth:`add_jmes_paths` does a whole :class:`FieldPaths` table in one loop;
    - ``add_value``/``add_jmes`` with no extra processors, ``re`` or stats skip
      ``get_value``'s empty loop; ``load_item`` on a dataclass item sets its attributes
      without an ``ItemAdapter``.

    Anything else (processors passed to ``add_*``, ``re=``, rule stats, other selectors and
    item kinds) is itemloaders' own code. Processors are read from the class (where
    itemloaders documents declaring them), not from instance attributes.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._compiled = {}  # (field name, "_in"/"_out") -> (compiled, declared) or _PER_CALL
        # The same entries by field name alone, per suffix: what the per-value paths read,
        # without building a (field, suffix) key each time.
        cls._inputs, cls._outputs = {}, {}

    _compiled, _inputs, _outputs = {}, {}, {}

    @classmethod
    def _processor(cls, field_name, suffix):
        key = (field_name, suffix)
        entry = cls._compiled.get(key)
        if entry is None:
            declared = getattr(cls, field_name + suffix, None)
            compiled = compile_processor(unbound_method(declared)) if declared else None
            entry = _PER_CALL if compiled is None else (compiled, unbound_method(declared))
            cls._compiled[key] = entry
            (cls._inputs if suffix == _IN else cls._outputs)[field_name] = entry
        return entry

    def _process_input_value(self, field_name, value):
        entry = self._processor(field_name, _IN)
        if entry is _PER_CALL:
            return super()._process_input_value(field_name, value)
        return _run_input(entry, field_name, value)

    def _add_value(self, field_name, value):
        entry = self._inputs.get(field_name) or self._processor(field_name, _IN)
        if entry is not _PER_CALL and entry[0].__class__ is Identity:  # values in as given
            processed = _as_list(value)
        else:
            processed = self._process_input_value(field_name, _as_list(value))
        if processed:
            _collect(self._values, field_name, _as_list(processed))

    def get_output_value(self, field_name):
        entry = self._processor(field_name, _OUT)
        if entry is _PER_CALL:
            return super().get_output_value(field_name)
        value = self._values.get(field_name, [])
        try:
            return entry[0](value)
        except Exception as e:
            raise ValueError(f"Error with output processor: field={field_name!r} "
                             f"value={value!r} error='{type(e).__name__}: {e!s}'") from e

    def add_value(self, field_name, value, *processors, re=None, **kw):
        if processors or re or kw or not field_name:
            return super().add_value(field_name, value, *processors, re=re, **kw)
        if value is not None:
            self._add_value(field_name, value)
        return self

    def add_values(self, *pairs):
        """``add_value(field, value)`` for each ``(field, value)`` pair, in order, in one loop: a
        field whose input processor is ``Identity`` takes its values as given without a call."""
        collected = self._values
        inputs = self._inputs
        for field_name, value in pairs:
            if value is None:
                continue
            entry = inputs.get(field_name) or self._processor(field_name, _IN)
            if entry is _PER_CALL or entry[0].__class__ is not Identity or not field_name:
                self.add_value(field_name, value)
                continue
            values = _as_list(value)
            if values:
                known = collected.get(field_name)
                if known is None:
                    collected[field_name] = list(values)
                else:
                    known += values
        return self

    def _lean_jmes(self):
        return self.stats is None and self.selector.__class__ is JsonSelector

    def add_jmes(self, field_name, jmes, *processors, re=None, **kw):
        if processors or re or kw or not field_name or jmes.__class__ is not str or not self._lean_jmes():
            return super().add_jmes(field_name, jmes, *processors, re=re, **kw)
        self._add_value(field_name, self.selector.values(jmes))
        return self

    def add_jmes_paths(self, paths):
        """``add_jmes(field, query)`` for every pair of a :class:`FieldPaths`, in its order."""
        if not self._lean_jmes():
            for field_name, query in paths:
                self.add_jmes(field_name, query)
            return self
        selector = self.selector
        root = selector.root
        get = root.get if isinstance(root, dict) else None  # a page's PageListing too
        collected = self._values
        for field_name, first, rest, compiled, query, entry, kind in paths.rows(self.__class__):
            if first is not None and get is not None:  # _search's first step, inlined
                result = get(first)
                if rest and result is not None:
                    result = _search(result, rest)
            else:
                result = _search(root, compiled)
            if result is None:
                if kind is not None:  # MapCompose and Identity turn no values into none
                    continue
                values = []
            elif result.__class__ in _FLAT:
                # One value: what MapCompose(f) or Identity makes of [result], without the
                # lists; on an error, the processor itself runs again to raise its own error.
                value = result
                if kind is _ONE:
                    try:
                        value = entry[0].functions[0](result)
                    except Exception:
                        _run_input(entry, field_name, [result])
                        raise
                    if value is None:
                        continue
                if kind is not None and value.__class__ in _FLAT:
                    known = collected.get(field_name)  # _collect of one value, inlined
                    if known is None:
                        collected[field_name] = [value]
                    else:
                        known.append(value)
                    continue
                values = [result]
            else:
                values = _values_of(result)  # the query's values, without searching again
            processed = self._process_input_value(field_name, values)
            if processed:
                _collect(collected, field_name, _as_list(processed))
        return self

    def load_item(self):
        item = self.item
        names = _field_names(item.__class__)
        if names is None:
            return super().load_item()
        values = self._values
        outputs = self._outputs
        for field_name in tuple(values):
            entry = outputs.get(field_name) or self._processor(field_name, _OUT)
            if entry is _PER_CALL:
                value = self.get_output_value(field_name)
            else:
                collected = values[field_name]
                compiled = entry[0]
                try:
                    if compiled.__class__ is TakeFirst:  # its loop, without a call per field
                        value = None
                        for candidate in collected:
                            if candidate is not None and candidate != "":
                                value = candidate
                                break
                    else:
                        value = compiled(collected)
                except Exception as e:
                    raise ValueError(f"Error with output processor: field={field_name!r} "
                                     f"value={collected!r} error='{type(e).__name__}: {e!s}'") from e
            if value is not None:
                if field_name not in names:
                    raise KeyError(f"{item.__class__.__name__} does not support field: {field_name}")
                setattr(item, field_name, value)
        return item


def _collect(collected, field_name, values):
    """Add processed ``values`` to a loader's collected values (itemloaders' ``_add_value``)."""
    if field_name in collected:
        collected[field_name] += values
    else:
        collected[field_name] = list(values)


def _run_input(entry, field_name, value):
    compiled, declared = entry
    try:
        return compiled(value)
    except Exception as e:
        raise ValueError(f"Error with input processor {declared.__class__.__name__}: field={field_name!r} "
                         f"value={value!r} error='{type(e).__name__}: {e!s}'") from e


# --- loaders ------------------------------------------------------------------

TEXT = MapCompose(p.clean_text)
URL = MapCompose(p.clean_url)
INT = MapCompose(p.to_int)
FLOAT = MapCompose(p.to_float)
CURRENCY = MapCompose(p.currency_code)
VERBATIM = Compose(p.first_value)  # titles: kept as given, "" included
AS_LIST = Identity()


class DiscogsLoader(LeanLoader):
    """Base: ``TakeFirst`` out, values in as given, declared for every item field."""

    default_item_class = dict
    default_input_processor = Identity()
    default_output_processor = TakeFirst()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Precedence is `<field>_in`/`_out`, then field metadata, then the loader
        # defaults (itemloaders docs, declaring-loaders.rst). Reaching the metadata
        # step builds an ItemAdapter on every value added (itemloaders 1.5,
        # ItemLoader._get_item_field_attr); our dataclass items have no metadata,
        # so the defaults are declared per field up front.
        for field in fields(cls.default_item_class):
            for suffix, default in (("_in", cls.default_input_processor),
                                    ("_out", cls.default_output_processor)):
                if not hasattr(cls, field.name + suffix):
                    setattr(cls, field.name + suffix, default)


class SellerLoader(DiscogsLoader):
    default_item_class = SellerItem

    seller_id_in = INT
    username_in = TEXT
    rating_in = FLOAT  # "99.4"
    stars_in = FLOAT
    total_ratings_in = INT
    html_url_in = URL
    avatar_url_in = URL
    payment_in = TEXT
    shipping_in = MapCompose(p.unescape_text)
    min_order_total_in = FLOAT


# --- the lists of a release body: plain functions (one object in, one item out) -----------
#
# The items of these lists are built with their fields given by position, in the order
# items.py declares them (POSITIONAL, checked on import): a dataclass called with keywords
# costs CPython 3.11 a dict of them first (a class call takes keywords as a dict), which made
# a TrackItem cost about 9,200 instructions against 2,500 by position (callgrind), for some
# eighteen such items a dump release.
POSITIONAL = {
    CreditItem: ("artist_id", "name", "anv", "join", "role", "tracks", "display_name", "thumbnail_url"),
    EntityItem: ("entity_id", "name", "display_name", "catno", "entity_type", "entity_type_name", "thumbnail_url"),
    FormatItem: ("name", "qty", "text", "descriptions"),
    IdentifierItem: ("type", "value", "description"),
    ImageItem: ("type", "width", "height", "uri", "uri150", "resource_url"),
    TrackItem: ("sequence", "position", "side", "title", "artist", "duration", "duration_seconds", "type",
                "parent_sequence", "artists", "credits"),
    VideoItem: ("video_id", "order_index", "title", "url", "description", "duration_seconds", "embed"),
}
for _item_class, _names in POSITIONAL.items():
    if tuple(field.name for field in fields(_item_class)) != _names:
        raise TypeError(f"{_item_class.__name__} no longer has the fields {_names}, in this order: "
                        "update the loaders that build it by position")


def _dicts(values):
    return [value for value in values or () if isinstance(value, dict)]


def load_credit(artist: dict) -> CreditItem:
    """One ``artists[]``/``extraartists[]`` entry; ``""`` becomes ``None``."""
    return CreditItem(  # by position: POSITIONAL
        p.to_int(artist.get("id")),  # artist_id
        p.clean_text(artist.get("name")),  # name
        p.clean_text(artist.get("anv")),  # anv
        p.clean_text(artist.get("join")),  # join
        p.clean_text(artist.get("role")),  # role
        p.clean_text(artist.get("tracks")),  # tracks
        p.artist_display_name(artist),  # display_name
        p.clean_url(artist.get("thumbnail_url")),  # thumbnail_url
    )


def load_credits(artists):
    if not artists:  # most tracks have no credits of their own
        return []
    return [load_credit(artist) for artist in _dicts(artists)]


def load_entity(entity: dict) -> EntityItem:
    """One ``labels[]``/``companies[]``/``series[]`` entry; ``catno`` kept as sent."""
    return EntityItem(  # by position: POSITIONAL
        p.to_int(entity.get("id")),  # entity_id
        p.clean_text(entity.get("name")),  # name
        p.strip_name_suffix(entity.get("name")),  # display_name
        p.clean_text(entity.get("catno")),  # catno
        p.clean_text(entity.get("entity_type")),  # entity_type
        p.clean_text(entity.get("entity_type_name")),  # entity_type_name
        p.clean_url(entity.get("thumbnail_url")),  # thumbnail_url
    )


def load_entities(entities):
    return [load_entity(entity) for entity in _dicts(entities)]


def load_formats(formats):
    return [FormatItem(p.clean_text(f.get("name")), p.to_int(f.get("qty")), p.clean_text(f.get("text")),
                       [d for d in (p.clean_text(d) for d in f.get("descriptions") or ()) if d])
            for f in _dicts(formats)]  # by position (POSITIONAL): name, qty, text, descriptions


def load_identifiers(identifiers):
    return [IdentifierItem(p.clean_text(i.get("type")), p.clean_text(i.get("value")),
                           p.clean_text(i.get("description")))
            for i in _dicts(identifiers)]  # by position (POSITIONAL): type, value, description


def load_images(images):
    return [ImageItem(p.clean_text(i.get("type")), p.to_int(i.get("width")), p.to_int(i.get("height")),
                      p.clean_url(i.get("uri")), p.clean_url(i.get("uri150")), p.clean_url(i.get("resource_url")))
            for i in _dicts(images)]  # by position (POSITIONAL): type, width, height, uri, uri150, resource_url


def usernames(users):
    return [name for name in (p.clean_text(u.get("username")) for u in _dicts(users)) if name]


SELLER_PATHS = FieldPaths(
    ("seller_id", "id"),
    ("seller_id", "uid"),  # the same number; older bodies may have only one
    ("username", "username"),
    ("rating", "stats.rating"),
    ("stars", "stats.stars"),
    ("total_ratings", "stats.total"),
    ("html_url", "html_url"),
    ("avatar_url", "avatar_url"),
    ("payment", "payment"),
    ("shipping", "shipping"),
    ("min_order_total", "min_order_total"),
)


def load_seller(seller: dict) -> SellerItem:
    """A listing's ``seller`` object."""
    return SellerLoader(selector=JsonSelector(seller)).add_jmes_paths(SELLER_PATHS).load_item()


def seller_key(seller: dict):
    """The ``seller_id`` :func:`load_seller` gives ``seller``, without loading it."""
    key = p.to_int(seller.get("id"))
    return p.to_int(seller.get("uid")) if key is None else key


def load_track(row: dict) -> TrackItem:
    """One row of :func:`processors.flatten_tracklist`; a plain function, as :func:`load_credit`.

    A release has tens of rows: an ItemLoader per row cost about half of ``load_release``
    (profiled by ``tests/bench/bench_dump.py``). Each field is what the loader's processors
    gave (``MapCompose(f)`` then ``TakeFirst``: ``None``/``""`` as no value; titles verbatim).
    """
    position, duration, artists = row["position"], row["duration"], row["artists"]
    seconds = p.duration_seconds(duration)  # parsed once: clean_duration would parse it again
    own, extra = row["own_artists"], row["extraartists"]
    # By position (POSITIONAL). sequence, type and parent_sequence are flatten_tracklist's own:
    # an int, one of its literal types, an int or None (nothing to clean).
    return TrackItem(
        row["sequence"],  # sequence
        p.clean_text(position),  # position
        p.track_side(position),  # side
        row["title"],  # title
        p.artist_credit(artists) if artists else None,  # artist: artist_credit's answer for no artists
        None if seconds is None else duration.strip(),  # duration: p.clean_duration's (a parsed text is never "")
        seconds,  # duration_seconds
        row["type"],  # type
        row["parent_sequence"],  # parent_sequence
        load_credits(own) if own else [],  # artists: most tracks have no credits of their own
        load_credits(extra) if extra else [],  # credits
    )


def load_video(video: dict) -> VideoItem:
    """One entry of :func:`processors.numbered_videos` (a plain function, as :func:`load_track`)."""
    uri = video.get("uri")
    return VideoItem(  # by position: POSITIONAL
        p.youtube_id(uri),  # video_id
        video["order_index"],  # order_index: numbered_videos' own int
        p.clean_text(video.get("title")),  # title
        p.clean_url(uri),  # url
        p.clean_text(video.get("description")),  # description
        p.to_int(video.get("duration")),  # duration_seconds
        p.to_bool(video.get("embed")),  # embed
    )


OWNER_FIELDS = ("weight", "format_quantity", "external_id", "location", "cost")


class ListingLoader(DiscogsLoader):
    default_item_class = ListingItem

    listing_id_in = INT
    seller_username_in = TEXT
    release_id_in = INT
    artist_in = MapCompose(p.clean_credit_text)  # a display string: "Womb (8)", "808_State*"
    title_out = VERBATIM
    format_in = TEXT  # already a display string: "2xLP, Comp"
    year_in = MapCompose(p.clean_year)
    catalog_number_in = MapCompose(p.clean_catalog_number)
    status_in = TEXT
    condition_in = TEXT
    sleeve_condition_in = TEXT
    price_in = FLOAT
    currency_in = CURRENCY
    original_price_in = FLOAT
    original_currency_in = CURRENCY
    shipping_price_in = FLOAT
    shipping_currency_in = CURRENCY
    ships_from_in = TEXT
    posted_in = TEXT
    allow_offers_in = MapCompose(p.to_bool)
    comments_in = MapCompose(p.unescape_text)
    item_url_in = URL
    thumbnail_url_in = URL
    have_count_in = INT
    want_count_in = INT
    genres_out = AS_LIST
    styles_out = AS_LIST
    weight_in = FLOAT
    format_quantity_in = INT
    external_id_in = TEXT
    location_in = TEXT
    cost_in = FLOAT
    description_in = TEXT
    label_in = TEXT
    audio_in = MapCompose(p.to_bool)
    original_shipping_price_in = FLOAT
    original_shipping_currency_in = CURRENCY
    raw_out = Compose(p.first_value)


LISTING_PATHS = FieldPaths(
    ("listing_id", "id"),
    ("seller_username", "seller.username"),
    ("release_id", "release.id"),
    ("artist", "release.artist"),
    ("title", "release.title"),
    ("format", "release.format"),
    ("year", "release.year"),
    ("catalog_number", "release.catalog_number"),
    ("status", "status"),
    ("condition", "condition"),
    ("sleeve_condition", "sleeve_condition"),
    ("price", "price.value"),
    ("currency", "price.currency"),
    ("original_price", "original_price.value"),
    ("original_currency", "original_price.curr_abbr"),
    ("shipping_price", "shipping_price.value"),  # {} when not given
    ("shipping_currency", "shipping_price.currency"),
    ("ships_from", "ships_from"),
    ("allow_offers", "allow_offers"),
    ("comments", "comments"),
    ("item_url", "uri"),
    ("thumbnail_url", "release.thumbnail"),
    ("have_count", "release.stats.community.in_collection"),
    ("want_count", "release.stats.community.in_wantlist"),
    ("description", "release.description"),
    ("label", "release.label"),
    ("audio", "audio"),
    ("original_shipping_price", "original_shipping_price.value"),
    ("original_shipping_currency", "original_shipping_price.curr_abbr"),
)


def load_listing(listing: dict, sellers: dict | None = None) -> ListingItem:
    """One entry of an inventory page's ``listings`` (or a ``/marketplace/listings/{id}`` body).

    ``genres``/``styles`` stay empty: listings carry none (the spider fills them
    from the release). ``sellers``: a dict of the :class:`SellerItem` s loaded so far by
    ``seller_id``; a seller found there is not loaded again (every listing of a page repeats
    its seller, payment and shipping texts included), one not found is loaded and added.
    """
    loader = ListingLoader(selector=JsonSelector(listing))
    loader.add_jmes_paths(LISTING_PATHS)
    loader.add_value("posted", p.utc_timestamp(listing.get("posted")))
    # The owner's private fields: absent from anyone else's view, so usually nothing to add.
    for name in OWNER_FIELDS:
        if name in listing:
            loader.add_jmes(name, name)
    loader.add_value("raw", listing_raw(listing))  # its text, when read from a kept page
    seller = listing.get("seller")
    if isinstance(seller, dict):
        if sellers is None:
            loader.add_value("seller", load_seller(seller))
        else:
            key = seller_key(seller)
            item = sellers.get(key) if key is not None else None
            if item is None:
                item = load_seller(seller)
                if key is not None:
                    sellers[key] = item
            loader.add_value("seller", item)
    return loader.load_item()


class ReleaseLoader(DiscogsLoader):
    default_item_class = ReleaseItem

    release_id_in = INT
    artist_out = Compose(p.artist_credit)  # collected: artists[] objects
    title_out = VERBATIM
    label_in = MapCompose(p.strip_name_suffix)
    catalog_number_in = MapCompose(p.clean_catalog_number)
    format_out = Compose(p.format_text)  # collected: formats[] objects
    country_in = TEXT
    released_year_in = MapCompose(p.clean_year)
    released_in = TEXT
    cover_image_url_out = Compose(p.cover_image_url)  # collected: images[] objects
    web_url_in = URL
    api_url_in = URL
    price_low_in = FLOAT
    price_currency_in = CURRENCY
    num_for_sale_in = INT
    have_count_in = INT
    want_count_in = INT
    avg_rating_in = FLOAT
    ratings_count_in = INT
    data_quality_in = TEXT
    master_id_in = INT
    genres_in = TEXT
    genres_out = AS_LIST
    styles_in = TEXT
    styles_out = AS_LIST
    tracks_out = Compose(p.flatten_tracklist, MapCompose(load_track))
    videos_out = Compose(p.numbered_videos, MapCompose(load_video))
    artists_out = Compose(load_credits)
    credits_out = Compose(load_credits)
    labels_out = Compose(load_entities)
    companies_out = Compose(load_entities)
    series_out = Compose(load_entities)
    formats_out = Compose(load_formats)
    identifiers_out = Compose(load_identifiers)
    images_out = Compose(load_images)
    released_formatted_in = TEXT
    artists_sort_in = TEXT
    notes_in = MapCompose(p.clean_notes)
    status_in = TEXT
    community_status_in = TEXT
    date_added_in = MapCompose(p.utc_timestamp)
    date_changed_in = MapCompose(p.utc_timestamp)
    estimated_weight_in = INT
    blocked_from_sale_in = MapCompose(p.to_bool)
    format_quantity_in = INT
    thumb_url_in = URL
    submitter_in = TEXT
    contributors_out = Compose(usernames)
    raw_out = Compose(p.first_value)


RELEASE_PATHS = FieldPaths(
    ("release_id", "id"),
    ("title", "title"),
    ("label", "labels[0].name"),
    ("catalog_number", "labels[0].catno"),
    ("country", "country"),
    ("released_year", "year"),
    ("released", "released"),
    ("web_url", "uri"),
    ("api_url", "resource_url"),
    ("price_low", "lowest_price"),
    ("num_for_sale", "num_for_sale"),
    ("have_count", "community.have"),
    ("want_count", "community.want"),
    ("avg_rating", "community.rating.average"),
    ("ratings_count", "community.rating.count"),
    ("data_quality", "data_quality"),
    ("data_quality", "community.data_quality"),
    ("master_id", "master_id"),
    ("genres", "genres"),
    ("styles", "styles"),
    ("released_formatted", "released_formatted"),
    ("artists_sort", "artists_sort"),
    ("notes", "notes"),
    ("status", "status"),
    ("community_status", "community.status"),
    ("date_added", "date_added"),
    ("date_changed", "date_changed"),
    ("estimated_weight", "estimated_weight"),
    ("blocked_from_sale", "blocked_from_sale"),
    ("format_quantity", "format_quantity"),
    ("thumb_url", "thumb"),
    ("submitter", "community.submitter.username"),
)


def load_release(release: dict, currency: str | None = None) -> ReleaseItem:
    """A ``/releases/{id}`` body.

    ``currency``: the currency of ``lowest_price``, i.e. the ``curr_abbr`` the
    request asked for (or the account's currency); the body does not name it,
    so ``price_currency`` stays ``None`` without it.
    """
    loader = ReleaseLoader(selector=JsonSelector(release))
    loader.add_jmes_paths(RELEASE_PATHS)
    get = release.get
    artists, formats, images, community = get("artists"), get("formats"), get("images"), get("community")
    loader.add_values(
        ("artist", artists),
        ("format", formats),
        ("cover_image_url", images),
        ("price_currency", currency),
        ("tracks", get("tracklist")),
        ("videos", get("videos")),
        ("artists", artists),
        ("credits", get("extraartists")),
        ("labels", get("labels")),
        ("companies", get("companies")),
        ("series", get("series")),
        ("formats", formats),
        ("identifiers", get("identifiers")),
        ("images", images),
        ("contributors", community.get("contributors") if isinstance(community, dict) else None),
        ("raw", release),
    )
    return loader.load_item()
