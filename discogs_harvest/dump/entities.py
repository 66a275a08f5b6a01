"""Masters, artists and labels dumps into tables of their own (``dump_masters``,
``dump_artists``, ``dump_labels``).

The entry-point work (issue 13) adds label/artist/master tables of the API's records; it is
not in this branch's base, so the dumps' records land in tables of this module, named after
the dump (API_FACTS.md §6 lists their fields). Lists (urls, aliases, members, sublabels,
genres...) are stored as JSON text; ``<anv/>``-style empty values as NULL; ``&#13;`` line
breaks kept as ``\\r``.

:func:`import_entities` streams the file with ``lxml.etree.iterparse`` on the record's tag
at depth 1 (a label's ``<sublabels><label>`` is nested in it, so the releases' byte-cutting
reader would not do), clears each record and its earlier siblings once read (the usual
iterparse idiom: lxml docs, "iterparse and iterwalk"), and upserts by id in batched
transactions. A truncated or malformed file ends in :class:`~.reader.DumpError` with what was
committed kept; running the import again upserts the same rows.
"""

import gzip
import json
import logging
import os

from lxml import etree
from peewee import IntegerField, TextField, chunked

from discogs_harvest.dump.importer import dump_date_of
from discogs_harvest.dump.reader import GZIP_MAGIC, DumpError
from discogs_harvest.freshness import database_for, variable_limit
from discogs_harvest.models import BaseModel
from discogs_harvest.processors import artist_credit, clean_text

logger = logging.getLogger(__name__)


def _json(values):
    return json.dumps(values, ensure_ascii=False) if values else None


class DumpMaster(BaseModel):
    id = IntegerField(primary_key=True)
    main_release = IntegerField(null=True)
    title = TextField(null=True)
    artist = TextField(null=True)  # the display credit, as albums.artist
    year = IntegerField(null=True)
    data_quality = TextField(null=True)
    genres = TextField(null=True)  # JSON lists
    styles = TextField(null=True)
    artists = TextField(null=True)
    videos = TextField(null=True)
    notes = TextField(null=True)
    dump_date = TextField(null=True)

    class Meta:
        table_name = "dump_masters"


class DumpArtist(BaseModel):
    id = IntegerField(primary_key=True)
    name = TextField(null=True)
    realname = TextField(null=True)
    profile = TextField(null=True)
    data_quality = TextField(null=True)
    urls = TextField(null=True)  # JSON lists
    namevariations = TextField(null=True)
    aliases = TextField(null=True)  # [{"id", "name"}]
    members = TextField(null=True)
    groups = TextField(null=True)
    dump_date = TextField(null=True)

    class Meta:
        table_name = "dump_artists"


class DumpLabel(BaseModel):
    id = IntegerField(primary_key=True)
    name = TextField(null=True)
    contactinfo = TextField(null=True)
    profile = TextField(null=True)
    data_quality = TextField(null=True)
    urls = TextField(null=True)  # JSON lists
    parent_label_id = IntegerField(null=True)
    parent_label_name = TextField(null=True)
    sublabels = TextField(null=True)  # [{"id", "name"}]
    dump_date = TextField(null=True)

    class Meta:
        table_name = "dump_labels"


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _texts(element):
    return [child.text for child in element if child.text] if element is not None else []


def _named(element):
    return [{"id": _int(child.get("id")), "name": child.text} for child in element] if element is not None else []


def master_row(element, dump_date):
    from discogs_harvest.dump.release import release_body  # the same shapes as a release's lists

    body = release_body(element)
    return {"id": _int(element.get("id")), "main_release": _int(body.get("main_release")),
            "title": body.get("title"), "artist": artist_credit(body.get("artists")),
            "year": _int(body.get("year")) or None, "data_quality": clean_text(body.get("data_quality")),
            "genres": _json(body.get("genres")), "styles": _json(body.get("styles")),
            "artists": _json(body.get("artists")), "videos": _json(body.get("videos")),
            "notes": clean_text(body.get("notes")), "dump_date": dump_date}


def artist_row(element, dump_date):
    find = element.find
    members = find("members")
    return {"id": _int(element.findtext("id")), "name": element.findtext("name"),
            "realname": clean_text(element.findtext("realname")), "profile": clean_text(element.findtext("profile")),
            "data_quality": clean_text(element.findtext("data_quality")), "urls": _json(_texts(find("urls"))),
            "namevariations": _json(_texts(find("namevariations"))), "aliases": _json(_named(find("aliases"))),
            "members": _json(_named(members.findall("name")) if members is not None else []),
            "groups": _json(_named(find("groups"))), "dump_date": dump_date}


def label_row(element, dump_date):
    parent = element.find("parentLabel")
    return {"id": _int(element.findtext("id")), "name": element.findtext("name"),
            "contactinfo": clean_text(element.findtext("contactinfo")),
            "profile": clean_text(element.findtext("profile")),
            "data_quality": clean_text(element.findtext("data_quality")), "urls": _json(_texts(element.find("urls"))),
            "parent_label_id": _int(parent.get("id")) if parent is not None else None,
            "parent_label_name": parent.text if parent is not None else None,
            "sublabels": _json(_named(element.find("sublabels"))), "dump_date": dump_date}


KINDS = {"masters": ("master", DumpMaster, master_row), "artists": ("artist", DumpArtist, artist_row),
         "labels": ("label", DumpLabel, label_row)}


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


def import_entities(settings, path, kind, dump_date=None, batch_size=5000):
    """Upsert every record of a masters/artists/labels dump; returns how many were written."""
    tag, model, build = KINDS[kind]
    database = database_for(settings.get("DATABASE_URL"))
    model.create_table(safe=True)
    dump_date = dump_date_of(path, dump_date)
    per_statement = max(1, variable_limit(database) // len(model._meta.fields))
    written, rows = 0, []

    def commit():
        with database.atomic():
            for chunk in chunked(rows, per_statement):
                model.insert_many(chunk).on_conflict(conflict_target=[model.id],
                                                     preserve=[f for f in model._meta.sorted_fields
                                                               if f.name != "id"]).execute()

    raw = open(path, "rb")
    stream = gzip.GzipFile(fileobj=raw) if raw.read(2) == GZIP_MAGIC else raw
    raw.seek(0)
    try:
        for _, element in etree.iterparse(stream, events=("end",), tag=tag, resolve_entities=False, huge_tree=True):
            if element.getparent() is None or element.getparent().getparent() is not None:
                continue  # a nested <label> (sublabels), not a record
            rows.append(build(element, dump_date))
            element.clear(keep_tail=True)
            while element.getprevious() is not None:
                del element.getparent()[0]
            if len(rows) >= batch_size:
                commit()
                written += len(rows)
                rows = []
    except (etree.XMLSyntaxError, EOFError, OSError) as exc:
        raise DumpError(f"{os.path.basename(path)}: truncated or corrupt after {written:,} {kind} committed "
                        f"({exc})") from None
    finally:
        stream.close()
        raw.close()
    if rows:
        commit()
        written += len(rows)
    logger.info("Imported %s %s from %s (dump of %s)", f"{written:,}", kind, os.path.basename(path), dump_date)
    return written
