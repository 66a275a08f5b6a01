"""Every leaf Discogs sent is stored (value checked) or deliberately skipped (discogs_harvest/fields.py).

Walks every recorded release body and inventory page (and single-listing body) in
``discogs_harvest/sandbox/data`` leaf by leaf, after storing it the way a harvest does
(loaders -> pipeline -> SQLite). A leaf is a scalar at the end of a path (``[]`` for a list
entry). For each one the test finds the column that holds it and compares the value with what
the mapping promises (text stripped, ``""`` as NULL, Discogs times in UTC...), or finds it in
the one list of what is not stored, with its reason. The README's counts are checked too.
"""

import datetime
import json
import re
from functools import cache
from pathlib import Path

import pytest
from scrapy.utils.misc import build_from_crawler

from discogs_harvest import fields
from discogs_harvest.items import InventoryPageItem
from discogs_harvest.loaders import load_listing, load_release
from discogs_harvest.pipelines.storage import StoragePipeline
from discogs_harvest.processors import clean_catalog_number, clean_credit_text, clean_duration, clean_text

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "discogs_harvest" / "sandbox" / "data"
RELEASES = sorted((DATA / "releases").glob("*.json"))
PAGES = sorted((DATA / "inventory").glob("*.json"))
SINGLE_LISTINGS = sorted((DATA / "marketplace_listings").glob("*.json"))


def leaves(value, path=()):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from leaves(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from leaves(inner, (*path, index))
    else:
        yield path, value


def pattern(path):
    parts = []
    for part in path:
        if isinstance(part, int):
            parts[-1] += "[]"
        else:
            parts.append(part)
    return ".".join(parts)


def text(value):
    return clean_text(value)


def utc(value):
    moment = datetime.datetime.fromisoformat(value).astimezone(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def one(database, sql, *params):
    """The single value ``sql`` selects; ``?`` placeholders become the backend's own (``%s`` on PostgreSQL)."""
    rows = database.execute_sql(sql.replace("?", database.param), params).fetchall()
    assert len(rows) == 1, (sql, params, rows)
    value = rows[0][0]
    if isinstance(value, datetime.datetime):  # PostgreSQL's timestamp columns; SQLite gives the stored text
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value


# --- releases -------------------------------------------------------------------------

ALBUM_COLUMNS = {  # leaf -> (albums column, expected from the value sent)
    "id": ("discogs_release_id", str), "title": ("title", lambda v: v), "country": ("country", text),
    "year": ("released_year", lambda v: v or None), "released": ("released", text),
    "released_formatted": ("released_formatted", text), "uri": ("resource_url", text),
    "resource_url": ("api_url", text), "lowest_price": ("price_low", lambda v: v),
    "num_for_sale": ("num_for_sale", lambda v: v), "data_quality": ("data_quality", text),
    "master_id": ("master_id", lambda v: v), "status": ("status", text), "artists_sort": ("artists_sort", text),
    "notes": ("notes", lambda v: v if v.strip() else None), "date_added": ("date_added", utc),
    "date_changed": ("date_changed", utc), "estimated_weight": ("estimated_weight", lambda v: v),
    "blocked_from_sale": ("blocked_from_sale", int), "format_quantity": ("format_quantity", lambda v: v),
    "thumb": ("thumb_url", text), "community.have": ("have_count", lambda v: v),
    "community.want": ("want_count", lambda v: v), "community.rating.average": ("avg_rating", lambda v: v),
    "community.rating.count": ("ratings_count", lambda v: v), "community.status": ("community_status", text),
    "community.submitter.username": ("submitter", text),
}
CREDIT_COLUMNS = {"id": ("artist_id", lambda v: v), "name": ("name", text), "anv": ("anv", text),
                  "join": ("join_text", text), "role": ("role", text), "tracks": ("tracks", text),
                  "thumbnail_url": ("thumbnail_url", text)}
ENTITY_COLUMNS = {"id": ("entity_id", lambda v: v), "name": ("name", text), "catno": ("catno", text),
                  "entity_type": ("entity_type", text), "entity_type_name": ("entity_type_name", text),
                  "thumbnail_url": ("thumbnail_url", text)}
LIST_TABLES = {"labels": "album_labels", "companies": "album_companies", "series": "album_series",
               "identifiers": "album_identifiers", "images": "album_images", "formats": "album_formats"}
PLAIN_COLUMNS = {  # list entry key -> (column, expected)
    "album_identifiers": {"type": ("type", text), "value": ("value", text), "description": ("description", text)},
    "album_images": {"type": ("type", text), "width": ("width", lambda v: v), "height": ("height", lambda v: v),
                     "uri": ("uri", text), "uri150": ("uri150", text), "resource_url": ("resource_url", text)},
    "album_formats": {"name": ("name", text), "qty": ("qty", int), "text": ("text", text)},
}
VIDEO_COLUMNS = {"uri": ("url", text), "title": ("title", text), "description": ("description", text),
                 "duration": ("duration_seconds", lambda v: v), "embed": ("embed", int)}
TRACK_COLUMNS = {"position": ("position", text), "duration": ("duration", clean_duration)}


def track_sequences(tracklist):
    """(i,) or (i, j) -> tracks.sequence: every row in order, an entry's sub_tracks after it."""
    sequences = {}
    for i, entry in enumerate(tracklist):
        sequences[(i,)] = len(sequences)
        for j, _ in enumerate(entry.get("sub_tracks", [])):
            sequences[(i, j)] = len(sequences)
    return sequences


def stored_release_leaf(database, body, path, value):
    """(stored, expected) for one leaf of a release body; KeyError when no column holds it."""
    album = str(body["id"])
    leaf = pattern(path)
    if leaf in ALBUM_COLUMNS:
        column, expect = ALBUM_COLUMNS[leaf]
        return one(database, f"SELECT {column} FROM albums WHERE discogs_release_id = ?", album), expect(value)
    if leaf == "community.contributors[].username":
        return json.loads(one(database, "SELECT contributors FROM albums WHERE discogs_release_id = ?",
                              album))[path[2]], value
    head = path[0]
    if head in ("genres", "styles"):
        table, tag, column = ("album_genres", "genres", "genre_id") if head == "genres" else (
            "album_styles", "styles", "style_id")
        return one(database, f"SELECT t.name FROM {table} l JOIN {tag} t ON t.id = l.{column} "
                             "WHERE l.album_id = ? AND l.order_index = ?", album, path[1]), value
    if head in ("artists", "extraartists") and len(path) == 3:
        table = "album_artists" if head == "artists" else "album_credits"
        column, expect = CREDIT_COLUMNS[path[2]]
        return one(database, f"SELECT {column} FROM {table} WHERE album_id = ? AND track_sequence IS NULL "
                             "AND sequence = ?", album, path[1]), expect(value)
    if head in ("labels", "companies", "series"):
        column, expect = ENTITY_COLUMNS[path[2]]
        return one(database, f"SELECT {column} FROM {LIST_TABLES[head]} WHERE album_id = ? AND sequence = ?",
                   album, path[1]), expect(value)
    if head == "formats" and path[2] == "descriptions":
        stored = one(database, "SELECT descriptions FROM album_formats WHERE album_id = ? AND sequence = ?",
                     album, path[1])
        return json.loads(stored)[path[3]], text(value)
    if head in ("identifiers", "images", "formats"):
        table = LIST_TABLES[head]
        column, expect = PLAIN_COLUMNS[table][path[2]]
        return one(database, f"SELECT {column} FROM {table} WHERE album_id = ? AND sequence = ?",
                   album, path[1]), expect(value)
    if head == "videos":
        column, expect = VIDEO_COLUMNS[path[2]]
        return one(database, f"SELECT v.{column} FROM album_videos l JOIN youtube_videos v ON v.id = l.video_id "
                             "WHERE l.album_id = ? AND l.order_index = ?", album, path[1]), expect(value)
    if head == "tracklist":
        return stored_track_leaf(database, body, path, value)
    raise KeyError(leaf)


def stored_track_leaf(database, body, path, value):
    album = str(body["id"])
    sub = len(path) > 3 and path[2] == "sub_tracks"
    key = (path[1], path[3]) if sub else (path[1],)
    sequence = track_sequences(body["tracklist"])[key]
    rest = path[4:] if sub else path[2:]
    if len(rest) == 1:
        name = rest[0]
        if name in TRACK_COLUMNS:
            column, expect = TRACK_COLUMNS[name]
            return one(database, f"SELECT {column} FROM tracks WHERE album_id = ? AND sequence = ?",
                       album, sequence), expect(value)
        stored = one(database, f"SELECT {'title' if name == 'title' else 'type'} FROM tracks "
                               "WHERE album_id = ? AND sequence = ?", album, sequence)
        parent = body["tracklist"][path[1]]
        if name == "title":  # an index's sub-tracks are titled "<index>: <sub-track>"
            return stored, f"{parent['title']}: {value}" if sub and parent["type_"] == "index" else value
        if name == "type_":
            return stored, ("track" if parent["type_"] == "index" else "sub_track") if sub else value
        raise KeyError(pattern(path))
    if rest[0] in ("artists", "extraartists") and len(rest) == 3:
        table = "album_artists" if rest[0] == "artists" else "album_credits"
        column, expect = CREDIT_COLUMNS[rest[2]]
        return one(database, f"SELECT {column} FROM {table} WHERE album_id = ? AND track_sequence = ? "
                             "AND sequence = ?", album, sequence, rest[1]), expect(value)
    raise KeyError(pattern(path))


# --- listings -------------------------------------------------------------------------

LISTING_COLUMNS = {  # listing leaf -> (collection_items column, expected)
    "id": ("listing_id", lambda v: v), "uri": ("item_url", text), "status": ("status", text),
    "condition": ("condition", text), "sleeve_condition": ("sleeve_condition", text),
    "comments": ("notes", lambda v: __import__("html").unescape(v) if v.strip() else None),
    "ships_from": ("ships_from", text), "posted": ("posted", utc), "allow_offers": ("allow_offers", int),
    "audio": ("audio", int), "price.value": ("price", lambda v: v), "price.currency": ("currency", text),
    "original_price.value": ("original_price", lambda v: v), "original_price.curr_abbr": ("original_currency", text),
    "shipping_price.value": ("shipping_price", lambda v: v), "shipping_price.currency": ("shipping_currency", text),
    "original_shipping_price.value": ("original_shipping_price", lambda v: v),
    "original_shipping_price.curr_abbr": ("original_shipping_currency", text),
    "seller.id": ("seller_id", lambda v: v), "release.id": ("release_id", lambda v: v),
    "release.description": ("description", text), "release.artist": ("artist", clean_credit_text),
    "release.title": ("title", lambda v: v), "release.format": ("format", text),
    "release.year": ("year", lambda v: v or None), "release.catalog_number": ("catalog_number", clean_catalog_number),
    "release.label": ("label", text), "release.thumbnail": ("thumbnail_url", text),
    "release.stats.community.in_collection": ("have_count", lambda v: v),
    "release.stats.community.in_wantlist": ("want_count", lambda v: v),
}
SELLER_COLUMNS = {
    "seller.username": ("username", text), "seller.avatar_url": ("avatar_url", text),
    "seller.html_url": ("html_url", text), "seller.payment": ("payment", text),
    "seller.shipping": ("shipping", lambda v: __import__("html").unescape(v) if v.strip() else None),
    "seller.min_order_total": ("min_order_total", float), "seller.stats.rating": ("rating", float),
    "seller.stats.stars": ("stars", float), "seller.stats.total": ("total_ratings", lambda v: v),
}


def stored_listing_leaf(database, listing, leaf, value):
    if leaf in LISTING_COLUMNS:
        column, expect = LISTING_COLUMNS[leaf]
        return one(database, f"SELECT {column} FROM collection_items WHERE listing_id = ?", listing["id"]), expect(value)
    if leaf in SELLER_COLUMNS:
        column, expect = SELLER_COLUMNS[leaf]
        return one(database, f"SELECT {column} FROM sellers WHERE id = ?", listing["seller"]["id"]), expect(value)
    raise KeyError(leaf)


# --- the walk -------------------------------------------------------------------------


def walk(body, stored_leaf, not_stored):
    """{"stored": {leaf: n}, "skipped": {leaf: n}, "missing": [...], "wrong": [...]} for one body."""
    result = {"stored": {}, "skipped": {}, "missing": [], "wrong": []}
    values = {}
    for path, value in leaves(body):
        leaf = pattern(path)
        values.setdefault(leaf, value)
        if leaf in not_stored:
            result["skipped"][leaf] = result["skipped"].get(leaf, 0) + 1
            continue
        try:
            stored, expected = stored_leaf(path, value)
        except KeyError:
            result["missing"].append(leaf)
            continue
        result["stored"][leaf] = result["stored"].get(leaf, 0) + 1
        if stored != expected:
            result["wrong"].append((path, stored, expected))
    for leaf, same in fields.SAME_AS.items():
        if leaf in values and same in values:
            assert values[leaf] == values[same], leaf
    return result


def store(crawler, *items):
    pipeline = build_from_crawler(StoragePipeline, crawler)
    for item in items:
        pipeline.process_item(item)
    pipeline.close_spider()


def walk_release(crawler, database, path):
    body = json.loads(path.read_text(encoding="utf-8"))
    store(crawler, load_release(body))
    return walk(body, lambda leaf_path, value: stored_release_leaf(database, body, leaf_path, value),
                fields.RELEASE_NOT_STORED)


def walk_page(crawler, database, path):
    body = json.loads(path.read_text(encoding="utf-8"))
    listings = body["listings"] if "listings" in body else [body]
    store(crawler, *(load_listing(listing) for listing in listings))
    if "listings" in body:
        not_stored = fields.INVENTORY_PAGE_NOT_STORED

        def stored_leaf(leaf_path, value):
            if leaf_path[0] != "listings":
                raise KeyError(pattern(leaf_path))
            return stored_listing_leaf(database, listings[leaf_path[1]], pattern(leaf_path[2:]), value)
    else:
        not_stored = fields.LISTING_NOT_STORED

        def stored_leaf(leaf_path, value):
            return stored_listing_leaf(database, body, pattern(leaf_path), value)
    return walk(body, stored_leaf, not_stored)


@pytest.mark.parametrize("path", RELEASES, ids=lambda p: p.stem)
def test_every_leaf_of_a_recorded_release_is_stored_or_listed(crawler, database, path):
    result = walk_release(crawler, database, path)
    assert result["missing"] == [], "neither stored nor in discogs_harvest/fields.py"
    assert result["wrong"] == []


@pytest.mark.parametrize("path", PAGES + SINGLE_LISTINGS, ids=lambda p: p.stem)
def test_every_leaf_of_a_recorded_inventory_page_is_stored_or_listed(crawler, database, path):
    result = walk_page(crawler, database, path)
    assert result["missing"] == [], "neither stored nor in discogs_harvest/fields.py"
    assert result["wrong"] == []


def counts(make_crawler, tmp_path):
    """Distinct leaves (paths) sent, stored and skipped, over releases and over listings."""
    from discogs_harvest.freshness import database_for

    totals = {}
    for kind, files, walker in (("release", RELEASES, walk_release), ("inventory", PAGES + SINGLE_LISTINGS, walk_page)):
        stored, skipped = set(), set()
        for index, path in enumerate(files):
            url = f"sqlite:///{tmp_path / f'{kind}{index}.db'}"
            result = walker(make_crawler(DATABASE_URL=url), database_for(url), path)
            # a single listing's leaves are named as on an inventory page
            prefix = "" if kind == "release" or "listings" in json.loads(path.read_text()) else "listings[]."
            stored |= {prefix + leaf for leaf in result["stored"]}
            skipped |= {prefix + leaf for leaf in result["skipped"]}
        totals[kind] = (len(stored | skipped), len(stored), len(skipped))
    return totals


def test_the_readme_gives_the_counts(make_crawler, tmp_path):
    totals = counts(make_crawler, tmp_path)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for kind, (sent, stored, skipped) in totals.items():
        line = re.search(rf"^\| {kind} \| (\d+) \| (\d+) \| (\d+) \|", readme, re.M)
        assert line, f"README: no '| {kind} | sent | stored | skipped |' row"
        assert tuple(map(int, line.groups())) == (sent, stored, skipped), kind
