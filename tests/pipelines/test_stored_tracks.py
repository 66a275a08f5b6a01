"""Stored releases read back for a tracks feed (stored.py), on SQLite and PostgreSQL: the track
records of a release read back equal those of the release as it was stored, and the tables say
the same (version columns included)."""

import json
from pathlib import Path

import pytest

from discogs_harvest.loaders import load_release
from discogs_harvest.models import RawBody
from discogs_harvest.stored import stored_releases
from discogs_harvest.trackfeed import track_records
from tests.pipelines.test_storage import store

DATA = Path(__file__).resolve().parents[2] / "discogs_harvest" / "sandbox" / "data" / "releases"
NAMES = ["4707982_the-seeds_cd_headings.json", "1161277_stockhausen_index-subtracks_no-videos.json",
         "249504_rick-astley_7in_token_2017-11.json"]


def releases():
    items = []
    for name in NAMES:
        text = (DATA / name).read_text(encoding="utf-8")
        item = load_release(json.loads(text), currency="USD")
        item.raw = text
        items.append(item)
    return items


@pytest.mark.parametrize("kept", [True, False], ids=["from kept bodies", "from the tables"])
def test_stored_releases_give_the_track_records_they_were_stored_with(crawler, database, database_url, kept):
    items = releases()
    store(crawler, *items)
    if not kept:
        RawBody.delete().execute()  # a database written before bodies were kept: the tables alone
    stored = stored_releases([item.release_id for item in reversed(items)], database_url)
    assert [item.release_id for item in stored] == [item.release_id for item in reversed(items)]
    for original, read_back in zip(reversed(items), stored):
        assert read_back.genres == original.genres and read_back.styles == original.styles
        assert track_records(read_back) == track_records(original)
    versions = database.execute_sql(
        "SELECT position, version, version_signal FROM tracks WHERE album_id = '4707982' AND version IS NOT NULL "
        "ORDER BY sequence").fetchall()
    assert versions[:2] == [("1-14", "Version 2", "marker"), ("1-21", "Alt Mix", "marker")]
    assert ("2-1", "Session", "heading") in versions
