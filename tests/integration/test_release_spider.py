"""``scrapy crawl release`` against the sandbox: recorded releases land field by field."""

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.integration.crawling import api_requests, rows
from tests.integration.inprocess import crawl_in_process as crawl

pytestmark = pytest.mark.timeout(180)

SAMPLES = Path(__file__).resolve().parents[2] / "discogs_harvest" / "sandbox" / "data" / "releases"
ARTISTS = {
    10507194: "HOLOVR",
    1052359: "Piero Umiliani",
    1161277: "Stockhausen",  # credited under an ANV
    1823781: "David Axelrod",
    2370027: "Brian Eno",
    2425133: "Wool",  # "Wool (4)": the disambiguation suffix is dropped
    249504: "Rick Astley",  # a trailing join "," is not rendered
    2535152: "Neil Young",
    3362530: "Ted Lucas",
    4707982: "The Seeds",
    565473: "Gorky's Zygotic Mynci",
}


def recorded(release_id, authenticated=True):
    for path in SAMPLES.glob(f"{release_id}_*.json"):
        if release_id != 249504 or ("unauth" in path.name) != authenticated:
            return json.loads(path.read_text(encoding="utf-8"))
    raise LookupError(release_id)


def flattened(tracklist):
    """Rows as stored: every row in order with its type, an index's sub-tracks after it titled
    "<index>: <sub-track>"."""
    for track in tracklist:
        yield {**track, "type": track.get("type_", "track")}
        for sub in track.get("sub_tracks", []):
            if track.get("type_") == "index":
                yield {**sub, "title": f"{track['title']}: {sub['title']}", "type": "track"}
            else:
                yield {**sub, "type": "sub_track"}


def youtube_id(uri):
    return parse_qs(urlsplit(uri).query)["v"][0]


def assert_album_matches(database, release, authenticated):
    (album,) = rows(database, "SELECT * FROM albums WHERE discogs_release_id = ?", str(release["id"]))
    primary = next((i for i in release.get("images", []) if i["type"] == "primary"), None)
    assert album["artist"] == ARTISTS[release["id"]]
    assert album["title"] == release["title"]
    assert album["released_year"] == (release["year"] or None)
    assert album["country"] == release.get("country")
    assert album["label"] in (release["labels"][0]["name"], release["labels"][0]["name"].rsplit(" (", 1)[0])
    assert album["catalog_number"] == release["labels"][0]["catno"]
    assert release["formats"][0]["name"] in album["format"]  # "2 × Vinyl, LP, Gatefold"
    assert album["cover_image_url"] == ((primary or {}).get("uri") or None)
    if not authenticated:
        assert album["cover_image_url"] is None
    assert album["resource_url"] == release["uri"]
    assert album["price_low"] == release["lowest_price"]
    assert album["price_currency"] == "USD"  # asked for with curr_abbr
    assert album["have_count"] == release["community"]["have"]
    assert album["want_count"] == release["community"]["want"]
    assert album["avg_rating"] == release["community"]["rating"]["average"]
    assert album["ratings_count"] == release["community"]["rating"]["count"]
    assert album["price_median"] is None and album["price_high"] is None and album["last_sold_date"] is None

    tracks = rows(database, "SELECT * FROM tracks WHERE album_id = ? ORDER BY sequence", str(release["id"]))
    expected = list(flattened(release["tracklist"]))
    assert [t["type"] for t in tracks] == [t["type"] for t in expected]
    assert [t["position"] or None for t in tracks] == [t["position"] or None for t in expected]
    assert [t["title"] for t in tracks] == [t["title"] for t in expected]
    assert [t["duration"] for t in tracks] == [t["duration"] or None for t in expected]

    videos = rows(database, "SELECT video_id FROM album_videos WHERE album_id = ? ORDER BY order_index",
                  str(release["id"]))
    assert [v["video_id"] for v in videos] == [youtube_id(v["uri"]) for v in release.get("videos", [])]

    def ordered(table, link, column):
        return [r["name"] for r in rows(
            database, f"SELECT t.name FROM {table} t JOIN {link} l ON l.{column} = t.id WHERE l.album_id = ? "
                      "ORDER BY l.order_index", str(release["id"]))]

    assert ordered("genres", "album_genres", "genre_id") == release["genres"]
    assert ordered("styles", "album_styles", "style_id") == release.get("styles", [])


def test_recorded_releases_are_stored_field_by_field(module_sandbox, module_db):
    ids = ",".join(str(i) for i in ARTISTS)
    since = len(module_sandbox.log())
    result = crawl("release", module_sandbox, module_db, f"ids={ids}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(api_requests(module_sandbox, since)) == len(ARTISTS)
    for release_id in ARTISTS:
        assert_album_matches(module_db, recorded(release_id), authenticated=True)


def test_fresh_releases_are_not_fetched_again_unless_forced(module_sandbox, module_db):
    since = len(module_sandbox.log())
    result = crawl("release", module_sandbox, module_db, "ids=249504,3362530")
    assert result.returncode == 0
    assert api_requests(module_sandbox, since) == []
    result = crawl("release", module_sandbox, module_db, "ids=249504,3362530", "force=1")
    assert result.returncode == 0
    assert len(api_requests(module_sandbox, since)) == 2


def test_unauthenticated_capture_has_no_image_urls(module_sandbox, tmp_path):
    database = tmp_path / "anon.db"
    result = crawl("release", module_sandbox, database, "ids=249504", token="")
    assert result.returncode == 0, result.stderr[-3000:]
    assert_album_matches(database, recorded(249504, authenticated=False), authenticated=False)


def test_missing_release_is_one_warning_and_the_rest_is_stored(module_sandbox, tmp_path):
    database = tmp_path / "missing.db"
    result = crawl("release", module_sandbox, database, "ids=1,2425133")
    assert result.returncode == 0
    assert [line for line in result.stderr.splitlines() if "Release 1 not found" in line]
    assert [r["discogs_release_id"] for r in rows(database, "SELECT discogs_release_id FROM albums")] == ["2425133"]


def test_releases_feed_holds_full_releases(module_sandbox, tmp_path):
    feed = tmp_path / "releases.json"
    result = crawl("release", module_sandbox, tmp_path / "feed.db", "ids=1161277,565473", feed=feed)
    assert result.returncode == 0, result.stderr[-3000:]
    releases = json.loads(feed.read_text(encoding="utf-8"))
    assert sorted(r["release_id"] for r in releases) == [565473, 1161277]
    from discogs_harvest.items import RELEASE_FEED_FIELDS

    assert all(list(r) == RELEASE_FEED_FIELDS for r in releases)
    stockhausen = next(r for r in releases if r["release_id"] == 1161277)
    assert len([t for t in stockhausen["tracks"] if t["type"] == "track"]) == 14 and stockhausen["videos"] == []


@pytest.mark.parametrize("form", ["json", "csv"])
def test_stored_fresh_releases_reach_the_feed_without_a_request(module_sandbox, tmp_path, form):
    import csv

    database = tmp_path / "stored.db"
    ids = "249504,1161277,565473"
    fetched = tmp_path / "fetched.json"
    assert crawl("release", module_sandbox, database, f"ids={ids}", feed=fetched).returncode == 0
    since = len(module_sandbox.log())
    feed = tmp_path / f"stored.{form}"
    result = crawl("release", module_sandbox, database, f"ids={ids}", feed=feed)
    assert result.returncode == 0, result.stderr[-3000:]
    assert api_requests(module_sandbox, since) == []
    assert "3 fresh in the database (read from it, no request" in result.stderr
    expected = {r["release_id"]: r for r in json.loads(fetched.read_text(encoding="utf-8"))}
    if form == "json":
        stored = json.loads(feed.read_text(encoding="utf-8"))
    else:
        with feed.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            from discogs_harvest.items import RELEASE_FEED_FIELDS

            assert reader.fieldnames == RELEASE_FEED_FIELDS
            stored = list(reader)
        assert not any("Item(" in value for row in stored for value in row.values())  # no reprs
        for row in stored:
            for column in ("genres", "styles", "tracks", "videos"):
                row[column] = json.loads(row[column])  # the documented CSV form: JSON arrays
            row["release_id"] = int(row["release_id"])
        expected = {k: {name: (value if name in ("genres", "styles", "tracks", "videos", "release_id")
                               else ("" if value is None else str(value)))
                        for name, value in r.items()} for k, r in expected.items()}
    assert [r["release_id"] for r in stored] == [249504, 1161277, 565473]
    assert {r["release_id"]: r for r in stored} == expected
    assert expected[249504]["videos"] and expected[1161277]["tracks"]
