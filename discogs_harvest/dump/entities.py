"""Masters, artists and labels dumps into the tables the API fills (``masters``, ``artists``,
``labels``), through the API's mapping.

As a ``<release>`` becomes the body of ``GET /releases/{id}`` (:mod:`.release`), each record
here becomes the body the API returns for it (:func:`label_body`: ``/labels/{id}``,
:func:`artist_body`: ``/artists/{id}``, :func:`master_body`: ``/masters/{id}``), and
:func:`discogs_harvest.records.dump_rows_of` makes its row with the mapping an API answer goes
through, marked ``source = "dump"`` with the dump's date and ``fetched_at`` NULL (never fetched,
so a spider that needs the record still asks the API for it). The dump and the API name the
fields alike (API_FACTS.md §6); the rewrites are ``contactinfo`` -> ``contact_info``,
``parentLabel`` -> ``parent_label``, and ``<name id=..>`` lists -> ``[{"id", "name"}]``. What
the dump lacks (``uri``, a member's ``active``, a master's prices and ``most_recent_release``)
is absent, as an absent key is in an API body. A sublabel without an id (the 2020 sample's
``<sublabels>`` are empty ``<label/>`` elements) is left out: the API never lists one.

A record already stored from the API (``source`` not "dump", or NULL: written before the
column existed) is left as it is and counted as kept, as a release is by
:class:`~.importer.ReleaseDumpImporter`.

:func:`import_entities` streams the file with ``lxml.etree.iterparse`` on the record's tag
at depth 1 (a label's ``<sublabels><label>`` is nested in it, so the releases' byte-cutting
reader would not do), clears each record and its earlier siblings once read (the usual
iterparse idiom: lxml docs, "iterparse and iterwalk"), and upserts by id in batched
transactions with the dump writer (:class:`~.writer.DumpWriter`). A truncated or malformed
file ends in :class:`~.reader.DumpError` with what was committed kept; running the import
again upserts the same rows.
"""

import gzip
import logging
import os

from lxml import etree
from peewee import chunked

from discogs_harvest.dump.importer import dump_date_of
from discogs_harvest.dump.reader import GZIP_MAGIC, DumpError
from discogs_harvest.dump.release import release_body
from discogs_harvest.dump.writer import DumpWriter
from discogs_harvest.freshness import database_for
from discogs_harvest.models import Artist, Label, Master
from discogs_harvest.processors import to_int
from discogs_harvest.records import dump_rows_of

logger = logging.getLogger(__name__)


def _texts(element):
    """``<urls><url>a</url>..`` as ``["a", ..]``."""
    return [child.text for child in element if child.text] if element is not None else []


def _refs(elements):
    """``<name id="1">A</name>..`` as ``[{"id": 1, "name": "A"}, ..]``; one without an id is left out."""
    return [{"id": to_int(child.get("id")), "name": child.text or ""} for child in elements
            if to_int(child.get("id")) is not None]


def _text_fields(element, names):
    """The plain text children ``names`` (dump tag -> API key) present in ``element``; ``<profile/>`` is ``""``."""
    body = {}
    for tag, key in names.items():
        child = element.find(tag)
        if child is not None:
            body[key] = child.text or ""
    return body


def label_body(element):
    """The ``/labels/{id}`` body of one ``<label>`` of a labels dump: a full dump's sublabels and
    parent read ``<label id="86537">Antidote (4)</label>`` and ``<parentLabel id="..">Name</..>``
    (as public dump parsers' fixtures show them)."""
    body = {"id": to_int(element.findtext("id")),
            **_text_fields(element, {"name": "name", "contactinfo": "contact_info", "profile": "profile",
                                     "data_quality": "data_quality"})}
    if element.find("urls") is not None:
        body["urls"] = _texts(element.find("urls"))
    if element.find("sublabels") is not None:
        body["sublabels"] = _refs(element.find("sublabels"))
    parent = element.find("parentLabel")
    if parent is not None and to_int(parent.get("id")) is not None:
        body["parent_label"] = {"id": to_int(parent.get("id")), "name": parent.text or ""}
    return body


def artist_body(element):
    """The ``/artists/{id}`` body of one ``<artist>`` of an artists dump."""
    body = {"id": to_int(element.findtext("id")),
            **_text_fields(element, {"name": "name", "realname": "realname", "profile": "profile",
                                     "data_quality": "data_quality"})}
    for tag in ("urls", "namevariations"):
        if element.find(tag) is not None:
            body[tag] = _texts(element.find(tag))
    if element.find("aliases") is not None:
        body["aliases"] = _refs(element.find("aliases"))
    if element.find("members") is not None:  # <id>26</id><name id="26">..</name> pairs: the names say it all
        body["members"] = _refs(element.find("members").findall("name"))
    if element.find("groups") is not None:
        body["groups"] = _refs(element.find("groups"))
    return body


def master_body(element):
    """The ``/masters/{id}`` body of one ``<master id=..>`` of a masters dump.

    A master's elements are a release's (``artists``, ``genres``, ``styles``, ``videos``,
    ``title``, ``data_quality``), so :func:`~.release.release_body` shapes them; the API sends
    ``main_release`` and ``year`` as ints, and a master has no ``status``.
    """
    body = release_body(element)
    body.pop("status", None)
    for key in ("main_release", "year"):
        if key in body:
            body[key] = to_int(body[key])
    return body


# kind -> (the record's tag, records.RESOURCES key, its model, body builder)
KINDS = {"masters": ("master", "master", Master, master_body),
         "artists": ("artist", "artist", Artist, artist_body),
         "labels": ("label", "label", Label, label_body)}


def kind_of(path):
    """``releases``, ``masters``, ``artists`` or ``labels``: from the name, else the root tag."""
    name = os.path.basename(path)
    for kind in ("releases", *KINDS):
        if f"_{kind}." in name:
            return kind
    with (gzip.open(path, "rb") if open(path, "rb").read(2) == GZIP_MAGIC else open(path, "rb")) as handle:
        head = handle.read(200).lstrip()
    for kind in ("releases", *KINDS):
        if head.startswith(f"<{kind}>".encode()):
            return kind
    raise DumpError(f"{name}: not a Discogs releases, masters, artists or labels dump")


def fetched_from_api(model, ids, max_variables):
    """The ids among ``ids`` whose row came from the API (``source`` not "dump", or NULL)."""
    kept = set()
    for chunk in chunked(ids, max_variables):
        kept.update(i for (i,) in model.select(model.id).where(
            model.id.in_(chunk) & (model.source.is_null() | (model.source != "dump"))).tuples())
    return kept


def import_entities(settings, path, kind, dump_date=None, batch_size=5000):
    """Upsert every record of a masters/artists/labels dump that the API has not given;
    returns ``(written, kept)``."""
    tag, resource, model, build = KINDS[kind]
    database = database_for(settings.get("DATABASE_URL"))
    writer = DumpWriter.for_settings(settings)
    dump_date = dump_date_of(path, dump_date)
    written = kept = 0
    rows = {}  # id -> row: a record repeated in one batch is one row

    def commit():
        nonlocal written, kept
        with database.atomic():
            api = fetched_from_api(model, list(rows), writer.max_variables)
            fresh = [row for record_id, row in rows.items() if record_id not in api]
            writer.upsert(model, fresh, [model.id])
        written += len(fresh)
        kept += len(rows) - len(fresh)
        rows.clear()

    raw = open(path, "rb")
    stream = gzip.GzipFile(fileobj=raw) if raw.read(2) == GZIP_MAGIC else raw
    raw.seek(0)
    try:
        for _, element in etree.iterparse(stream, events=("end",), tag=tag, resolve_entities=False, huge_tree=True):
            if element.getparent() is None or element.getparent().getparent() is not None:
                continue  # a nested <label> (sublabels), not a record
            body = build(element)
            if to_int(body.get("id")) is not None:  # a record without an id has no row
                for _, row in dump_rows_of(resource, to_int(body["id"]), body, dump_date):
                    rows[row["id"]] = row
            element.clear(keep_tail=True)
            while element.getprevious() is not None:
                del element.getparent()[0]
            if len(rows) >= batch_size:
                commit()
    except (etree.XMLSyntaxError, EOFError, OSError) as exc:
        raise DumpError(f"{os.path.basename(path)}: truncated or corrupt after {written:,} {kind} committed "
                        f"({exc})") from None
    finally:
        stream.close()
        raw.close()
    if rows:
        commit()
    logger.info("Imported %s %s from %s (dump of %s), %s kept as fetched from the API",
                f"{written:,}", kind, os.path.basename(path), dump_date, f"{kept:,}")
    return written, kept
