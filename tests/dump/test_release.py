"""A dump's <release> reaches the same rows as the API's body of the same release.

Two comparisons, both through the one mapping (load_release, then the row builders):

- every recorded API release (sandbox/data/releases) written as the dump would hold it
  (sandbox/dumps.release_xml), read back: equal rows but for what the dump lacks;
- the real dump's release 1 (2020-08-06 sample) against an API recording of release 1.
"""

import glob
import json
import os

import pytest
from lxml import etree

from discogs_harvest.dump.importer import dump_item
from discogs_harvest.dump.reader import DumpReader, parse_batch
from discogs_harvest.dump.release import release_body
from discogs_harvest.loaders import load_release
from discogs_harvest.pipelines import rows
from discogs_harvest.sandbox.dumps import release_xml

HERE = os.path.dirname(__file__)
RECORDED = sorted(glob.glob(os.path.join(HERE, "..", "..", "discogs_harvest", "sandbox", "data", "releases", "*.json")))
SAMPLE = os.path.join(HERE, "..", "..", "..", "shared", "discogs-api-samples", "dumps",
                      "discogs_20200806_releases.sample.xml")
if not os.path.exists(SAMPLE):  # the worktree's ../shared, or the main checkout's
    SAMPLE = "/work/shared/discogs-api-samples/dumps/discogs_20200806_releases.sample.xml"

# albums columns the dump has no value for (API_FACTS.md §6: community, prices, dates, URLs,
# released_formatted, artists_sort, weight...), and the columns saying where a row came from.
DUMP_LACKS = {"api_url", "resource_url", "cover_image_url", "thumb_url", "have_count", "want_count", "avg_rating",
              "ratings_count", "price_low", "num_for_sale", "released_formatted", "artists_sort", "date_added",
              "date_changed", "estimated_weight", "blocked_from_sale", "format_quantity", "submitter",
              "contributors", "community_status"}
PROVENANCE = {"fetched_at", "source", "dump_date"}
# Columns of the list tables the dump has no value for: image URLs (empty in the dump),
# the labels' entity type (the dump's <label> has name, catno and id), 2022+ thumbnails.
LIST_LACKS = {"uri", "uri150", "resource_url", "entity_type", "entity_type_name", "thumbnail_url"}


def all_rows(item):
    return {
        "albums": rows.album_row(item, "now"), "tracks": rows.track_rows(item),
        "album_artists": rows.credit_rows(item, "artists"), "album_credits": rows.credit_rows(item, "credits"),
        "album_labels": rows.entity_rows(item, "labels"), "album_companies": rows.entity_rows(item, "companies"),
        "album_series": rows.entity_rows(item, "series"), "album_formats": rows.format_rows(item),
        "album_identifiers": rows.identifier_rows(item), "album_images": rows.image_rows(item),
        "album_genres": item.genres, "album_styles": item.styles,
        "album_videos": [(v.video_id, v.order_index, v.title, v.url, v.description, v.duration_seconds, v.embed)
                         for v in item.videos],
    }


def differences(api, dump, allowed_album=DUMP_LACKS | PROVENANCE, allowed_lists=LIST_LACKS):
    """``{(table, column)}`` that differ and are not allowed."""
    found = set()
    for table, expected in api.items():
        got = dump[table]
        if table == "albums":
            found |= {(table, k) for k in expected if expected[k] != got[k] and k not in allowed_album}
        elif expected and isinstance(expected[0], dict):
            if len(expected) != len(got):
                found.add((table, "count"))
                continue
            found |= {(table, k) for a, d in zip(expected, got) for k in a if a[k] != d[k] and k not in allowed_lists}
        elif expected != got:
            found.add((table, "*"))
    return found


def dump_rows(xml):
    return all_rows(dump_item(release_body(etree.fromstring(xml)), "2020-08-06"))


@pytest.mark.parametrize("path", RECORDED, ids=os.path.basename)
def test_recorded_release_through_the_dump_gives_the_api_rows(path):
    with open(path, encoding="utf-8") as handle:
        body = json.load(handle)
    api = all_rows(load_release(body))
    dump = dump_rows(release_xml(body))
    assert differences(api, dump) == set()
    assert dump["albums"]["source"] == "dump" and dump["albums"]["fetched_at"] is None
    assert dump["albums"]["dump_date"] == "2020-08-06"


def test_headings_and_index_tracks_keep_their_types():
    """A heading is a track without position and duration; an index holds sub_tracks."""
    path = next(p for p in RECORDED if "1161277" in p)
    with open(path, encoding="utf-8") as handle:
        dump = dump_rows(release_xml(json.load(handle)))
    types = [row["type"] for row in dump["tracks"]]
    assert "index" in types and types[types.index("index") + 1] == "track"
    assert all(row["parent_sequence"] is not None for row in dump["tracks"][types.index("index") + 1:][:1])
    path = next(p for p in RECORDED if "565473" in p)
    with open(path, encoding="utf-8") as handle:
        assert "heading" in [row["type"] for row in dump_rows(release_xml(json.load(handle)))["tracks"]]


def sample_elements():
    with DumpReader(SAMPLE) as reader:
        return parse_batch([record for _, record in reader.records()])


def test_every_sample_release_is_read():
    elements = sample_elements()
    assert [int(e.get("id")) for e in elements] == [1, 25, 41, 103, 1586309, 3019999]
    for element in elements:
        item = dump_item(release_body(element), "2020-08-06")
        assert item.release_id == int(element.get("id")) and item.title and item.tracks


# What Discogs changed on release 1 between the API recording (discogs_client's fixture) and
# the 2020-08-06 dump: the artist's stored name ("Persuader, The" -> "The Persuader"; the
# display name and the album's artist are the same either way), the master,
# the notes, the data quality and the format descriptions ("33 ⅓ RPM" added), videos,
# companies and identifiers added. Everything else must be equal.
CHANGED_SINCE_RECORDING = {("albums", "master_id"), ("albums", "notes"),
                           ("albums", "data_quality"), ("albums", "format"), ("album_artists", "name"),
                           ("album_formats", "descriptions"),
                           ("album_videos", "*"), ("album_companies", "count"), ("album_identifiers", "*")}


def test_dump_release_1_matches_the_api_recording_of_release_1():
    with open(os.path.join(HERE, "..", "data", "dump", "release_1_api.json"), encoding="utf-8") as handle:
        api = all_rows(load_release(json.load(handle)))
    dump = all_rows(dump_item(release_body(sample_elements()[0]), "2020-08-06"))
    assert differences(api, dump) == CHANGED_SINCE_RECORDING
    assert dump["albums"]["title"] == "Stockholm" and dump["albums"]["released_year"] == 1999
    assert [(t["position"], t["title"], t["duration"]) for t in dump["tracks"]] == [
        (t["position"], t["title"], t["duration"]) for t in api["tracks"]]


def test_carriage_returns_and_entities_are_text():
    video = sample_elements()[0].find("videos/video/description").text
    body = release_body(sample_elements()[0])
    assert "\r\n" in body["videos"][0]["description"] and "Östermalm" in video
    assert body["extraartists"][0]["name"] == "Jesper Dahlbäck"
