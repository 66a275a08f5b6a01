"""The one mapping from the records of every way in to rows: collection instances, wants,
labels, artists, masters, their release lists, search results and marketplace figures.

A spider yields each record it receives as a :class:`~discogs_harvest.items.RawBodyItem`
(``resource`` and ``resource_id`` name it, see :data:`RESOURCES`); storage keeps the body in
``raw_bodies`` and writes the rows built here (:func:`write`), and ``scrapy rebuild`` feeds the
kept bodies through the same :func:`write`. So an API answer and a kept body reach the tables
through the same code, as releases and listings do through the loaders and
:mod:`discogs_harvest.pipelines.rows`. A masters, artists or labels dump's records, shaped as
the API's bodies (:mod:`discogs_harvest.dump.entities`), come through :func:`dump_rows_of`.

``resource_id`` carries what a record does not say about itself (whose collection, which
label's list): see each ``*_id`` helper. Pure functions; :func:`write` is the only one that
touches the database. Field clean-up reuses :mod:`discogs_harvest.processors`.
"""

import json

from peewee import EXCLUDED, chunked, fn

from discogs_harvest import processors as p
from discogs_harvest.models import (
    Album,
    Artist,
    CollectionItem,
    EntityRelease,
    Label,
    MarketStats,
    Master,
    PriceSuggestion,
    SearchResult,
    Want,
)
from discogs_harvest.pipelines.rows import without_credentials


def _json(value):
    return json.dumps(value, ensure_ascii=False) if value else None


def _refs(values, *keys):
    """``[{id, name, ...}]`` reduced to ``keys``, for the JSON list columns."""
    return [{key: value.get(key) for key in keys if key in value} for value in values or () if isinstance(value, dict)]


def _fetched(now):
    """Where a label's, artist's or master's row comes from: the API, fetched ``now``
    (:func:`dump_rows_of` marks a dump's record instead)."""
    return {"fetched_at": now, "source": "api", "dump_date": None}


def _labels(info):
    labels = [label for label in info.get("labels") or () if isinstance(label, dict)]
    return (p.clean_text(labels[0].get("name")) if labels else None,
            p.clean_catalog_number(labels[0].get("catno")) if labels else None)


def _summary(info):
    """What a collection instance's or want's ``basic_information`` says about its release."""
    label, catno = _labels(info)
    return {"artist": p.artist_credit(info.get("artists")), "title": p.clean_text(info.get("title")),
            "year": p.clean_year(info.get("year")), "format": p.format_text(info.get("formats")), "label": label,
            "catalog_number": catno, "thumbnail_url": without_credentials(p.clean_url(info.get("thumb")))}


# --- resource ids ---------------------------------------------------------------------------


def collection_id(user, folder):
    """``collection_items.collection_id`` of a user's folder: ``collection:<user lower>/<folder>``."""
    return f"collection:{user.lower()}/{int(folder)}"


def collection_item_id(user, folder, instance_id):
    return f"{user.lower()}/{int(folder)}/{int(instance_id)}"


def want_id(user, release_id):
    return f"{user.lower()}/{int(release_id)}"


def list_entry_id(source_id, entry):
    """``<source id>/<type>/<id>/<role>`` of a label/artist list entry or a master version."""
    return f"{int(source_id)}/{entry.get('type') or 'release'}/{int(entry['id'])}/{entry.get('role') or ''}"


def search_result_id(search, result):
    return f"{result.get('type') or 'release'}/{int(result['id'])}/{search}"


# --- rows -------------------------------------------------------------------------------------


def collection_item_rows(resource_id, body, now):
    user, folder, _ = resource_id.split("/", 2)
    info = body.get("basic_information") or {}
    release_id = p.to_int(body.get("id")) or p.to_int(info.get("id"))
    notes = [note for note in body.get("notes") or () if isinstance(note, dict)]
    summary = _summary(info)
    yield CollectionItem, {
        "collection_id": collection_id(user, folder), "instance_id": p.to_int(body.get("instance_id")),
        "folder_id": p.to_int(body.get("folder_id")), "rating": p.to_int(body.get("rating")),
        "date_added": p.utc_timestamp(body.get("date_added")), "notes": _json(notes), "release_id": release_id,
        "album": None, "item_url": f"https://www.discogs.com/release/{release_id}" if release_id else None,
        "is_available": True, "first_seen_at": now, "last_seen_at": now, **summary}


def want_rows(resource_id, body, now):
    user, _ = resource_id.split("/", 1)
    info = body.get("basic_information") or {}
    yield Want, {"username": user, "release_id": p.to_int(body.get("id")) or p.to_int(info.get("id")),
                 "date_added": p.utc_timestamp(body.get("date_added")), "rating": p.to_int(body.get("rating")),
                 "notes": p.clean_text(body.get("notes")), "fetched_at": now, **_summary(info)}


def label_rows(resource_id, body, now):
    parent = body.get("parent_label") if isinstance(body.get("parent_label"), dict) else {}
    yield Label, {"id": p.to_int(body.get("id")), "name": p.clean_text(body.get("name")),
                  "profile": p.clean_notes(body.get("profile")), "contact_info": p.clean_notes(body.get("contact_info")),
                  "urls": _json([u for u in body.get("urls") or () if isinstance(u, str)]),
                  "parent_label_id": p.to_int(parent.get("id")), "parent_label_name": p.clean_text(parent.get("name")),
                  "sublabels": _json(_refs(body.get("sublabels"), "id", "name")),
                  "data_quality": p.clean_text(body.get("data_quality")),
                  "web_url": without_credentials(p.clean_url(body.get("uri"))), **_fetched(now)}


def artist_rows(resource_id, body, now):
    yield Artist, {"id": p.to_int(body.get("id")), "name": p.clean_text(body.get("name")),
                   "realname": p.clean_text(body.get("realname")), "profile": p.clean_notes(body.get("profile")),
                   "urls": _json([u for u in body.get("urls") or () if isinstance(u, str)]),
                   "namevariations": _json([n for n in body.get("namevariations") or () if isinstance(n, str)]),
                   "aliases": _json(_refs(body.get("aliases"), "id", "name")),
                   "members": _json(_refs(body.get("members"), "id", "name", "active")),
                   "groups": _json(_refs(body.get("groups"), "id", "name", "active")),
                   "data_quality": p.clean_text(body.get("data_quality")),
                   "web_url": without_credentials(p.clean_url(body.get("uri"))), **_fetched(now)}


def master_rows(resource_id, body, now):
    yield Master, {"id": p.to_int(body.get("id")), "title": p.clean_text(body.get("title")),
                   "artist": p.artist_credit(body.get("artists")), "main_release": p.to_int(body.get("main_release")),
                   "most_recent_release": p.to_int(body.get("most_recent_release")),
                   "year": p.clean_year(body.get("year")), "genres": _json(body.get("genres")),
                   "styles": _json(body.get("styles")), "num_for_sale": p.to_int(body.get("num_for_sale")),
                   "lowest_price": p.to_float(body.get("lowest_price")),
                   "data_quality": p.clean_text(body.get("data_quality")),
                   "web_url": without_credentials(p.clean_url(body.get("uri"))), **_fetched(now)}


def entity_release_rows(source):
    """Rows of a ``label``'s or ``artist``'s release list entry, or of a ``master``'s version."""

    def rows(resource_id, body, now):
        source_id, item_type, item_id, role = resource_id.split("/", 3)
        community = ((body.get("stats") or {}).get("community") or {}) if isinstance(body.get("stats"), dict) else {}
        main = p.to_int(body.get("main_release"))
        yield EntityRelease, {
            "source": source, "source_id": int(source_id), "item_type": item_type, "item_id": int(item_id),
            "role": role, "release_id": main if item_type == "master" else int(item_id),
            "title": p.clean_text(body.get("title")), "artist": p.clean_text(body.get("artist")),
            "year": p.clean_year(body.get("year")), "released": p.clean_text(body.get("released")),
            "format": p.clean_text(body.get("format")), "label": p.clean_text(body.get("label")),
            "catalog_number": p.clean_catalog_number(body.get("catno")), "country": p.clean_text(body.get("country")),
            "status": p.clean_text(body.get("status")), "have_count": p.to_int(community.get("in_collection")),
            "want_count": p.to_int(community.get("in_wantlist")),
            "thumbnail_url": without_credentials(p.clean_url(body.get("thumb"))), "fetched_at": now}

    return rows


def search_result_rows(resource_id, body, now):
    result_type, result_id, search = resource_id.split("/", 2)
    community = body.get("community") if isinstance(body.get("community"), dict) else {}
    uri = p.clean_url(body.get("uri"))
    yield SearchResult, {
        "search": search, "result_type": result_type, "result_id": int(result_id),
        "title": p.clean_text(body.get("title")),
        "year": p.clean_year(body.get("year")), "country": p.clean_text(body.get("country")),
        "format": _json(body.get("format")), "label": _json(body.get("label")), "genre": _json(body.get("genre")),
        "style": _json(body.get("style")), "catalog_number": p.clean_catalog_number(body.get("catno")),
        "barcode": _json(body.get("barcode")), "master_id": p.to_int(body.get("master_id")) or None,
        "have_count": p.to_int(community.get("have")), "want_count": p.to_int(community.get("want")),
        "web_url": f"https://www.discogs.com{uri}" if uri and uri.startswith("/") else uri, "fetched_at": now}


def market_stats_rows(resource_id, body, now):
    lowest = body.get("lowest_price") if isinstance(body.get("lowest_price"), dict) else {}
    yield MarketStats, {"release_id": int(resource_id), "lowest_price": p.to_float(lowest.get("value")),
                        "currency": p.currency_code(lowest.get("currency")),
                        "num_for_sale": p.to_int(body.get("num_for_sale")),
                        "blocked_from_sale": p.to_bool(body.get("blocked_from_sale")), "taken_at": now}


def price_suggestion_rows(resource_id, body, now):
    for condition, price in body.items():
        if isinstance(price, dict):
            yield PriceSuggestion, {"release_id": int(resource_id), "condition": condition,
                                    "value": p.to_float(price.get("value")),
                                    "currency": p.currency_code(price.get("currency")), "taken_at": now}


# resource -> (rows function, conflict columns of its table)
RESOURCES = {
    "collection_item": (collection_item_rows, (CollectionItem.collection_id, CollectionItem.instance_id)),
    "want": (want_rows, (Want.username, Want.release_id)),
    "label": (label_rows, (Label.id,)),
    "artist": (artist_rows, (Artist.id,)),
    "master": (master_rows, (Master.id,)),
    "label_release": (entity_release_rows("label"), ()),
    "artist_release": (entity_release_rows("artist"), ()),
    "master_version": (entity_release_rows("master"), ()),
    "search_result": (search_result_rows, (SearchResult.search, SearchResult.result_type, SearchResult.result_id)),
    "marketplace_stats": (market_stats_rows, (MarketStats.release_id,)),
    "price_suggestions": (price_suggestion_rows, (PriceSuggestion.release_id, PriceSuggestion.condition)),
}
ENTITY_RELEASE_KEY = (EntityRelease.source, EntityRelease.source_id, EntityRelease.item_type, EntityRelease.item_id,
                      EntityRelease.role)
# Kept across upserts: when a row was first written.
KEEP = {CollectionItem: ("first_seen_at",)}


def rows_of(resource, resource_id, body, now):
    """``[(model, row)]`` for one record (empty for a resource this module does not map)."""
    if resource not in RESOURCES or not isinstance(body, dict):
        return []
    return list(RESOURCES[resource][0](str(resource_id), body, now))


def dump_rows_of(resource, resource_id, body, dump_date):
    """:func:`rows_of` for a label, artist or master of a monthly dump, its body in the API's
    shape (:mod:`discogs_harvest.dump.entities`): ``source`` "dump", the dump's date, and
    ``fetched_at`` NULL, since it was never fetched (as a dump's release in ``albums``)."""
    rows = rows_of(resource, resource_id, body, None)
    for _, row in rows:
        row.update(fetched_at=None, source="dump", dump_date=dump_date)
    return rows


def write(upsert, records, now, max_variables=999):
    """Upsert the rows of ``records`` (``[(resource, resource_id, decoded body)]``) with storage's
    ``upsert``; returns the rows written. Collection instances point at their album when it is
    stored (else ``album_id`` stays NULL and storage links it when the album lands)."""
    per_table = {}
    for resource, resource_id, body in records:
        for model, row in rows_of(resource, resource_id, body, now):
            conflict = RESOURCES[resource][1] or ENTITY_RELEASE_KEY
            key = tuple(row[field.name] for field in conflict)
            per_table.setdefault((model, conflict), {})[key] = row
    written = 0
    for (model, conflict), rows in per_table.items():
        rows = list(rows.values())
        update = None
        if model is CollectionItem:
            present = set()
            ids = sorted({str(row["release_id"]) for row in rows if row["release_id"] is not None})
            for chunk in chunked(ids, max_variables):
                present.update(i for (i,) in Album.select(Album.discogs_release_id)
                               .where(Album.discogs_release_id.in_(chunk)).tuples())
            for row in rows:
                row["album"] = str(row["release_id"]) if str(row["release_id"]) in present else None
            update = {"album": fn.COALESCE(EXCLUDED.album_id, CollectionItem.album)}
        written += upsert(model, rows, list(conflict), keep=KEEP.get(model, ()), update=update)
    return written


def decode(body):
    """A RawBodyItem's body (text as received, or already decoded) as an object."""
    return json.loads(body) if isinstance(body, (str, bytes)) else body
