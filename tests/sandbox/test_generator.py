"""Synthetic data without HTTP: deterministic, and shaped like the recorded samples."""

import json
import re
from collections import Counter

import pytest

from discogs_harvest.sandbox import generator as gen
from discogs_harvest.sandbox.catalog import Catalog

YOUTUBE = re.compile(r"^https?://www\.youtube\.com/watch\?v=[A-Za-z0-9_-]{11}$")


@pytest.fixture(scope="module")
def catalog():
    return Catalog()


@pytest.fixture(scope="module")
def synthetic_bodies():
    return [gen.release_body(gen.synthetic_core(gen.SYNTHETIC_BASE + n)) for n in range(600)]


def all_pages(catalog, seller, **params):
    listings, page = [], 1
    while True:
        query = [("per_page", "100"), ("page", str(page)), *params.items()]
        data = json.loads(catalog.inventory(seller, query, "http://sandbox", None, True))
        listings += data["listings"]
        if "next" not in data["pagination"]["urls"]:
            return listings
        page += 1


@pytest.mark.parametrize("seller", ["synthetic-500-120", "synthetic-500-120-40", "SecretSpot.Records"])
def test_same_name_same_bytes_in_a_fresh_catalog(catalog, seller):
    query = [("page", "2"), ("per_page", "100")]
    first = catalog.inventory(seller, query, "http://sandbox", None, True)
    again = Catalog().inventory(seller, query, "http://sandbox", None, True)
    assert first == again
    release_id = json.loads(first)["listings"][0]["release"]["id"]
    assert catalog.release(release_id, True) == Catalog().release(release_id, True)


def test_different_names_differ(catalog):
    one = json.loads(catalog.inventory("synthetic-50-10", [], "http://s", None, True))["listings"]
    two = json.loads(catalog.inventory("synthetic-50-11", [], "http://s", None, True))["listings"]
    assert {l["id"] for l in one}.isdisjoint(l["id"] for l in two)


@pytest.mark.parametrize("seller, listings, releases, lowest", [
    ("synthetic-500-120", 500, 120, 90_000_000),
    ("synthetic-500-120-40", 500, 120, 90_000_040),
    ("synthetic-30-100", 30, 30, 90_000_000),  # never more releases than listings
    ("SecretSpot.Records", 1200, 900, 98_000_000),
])
def test_synthetic_sellers_list_n_listings_over_m_releases(catalog, seller, listings, releases, lowest):
    rows = all_pages(catalog, seller)
    release_ids = {row["release"]["id"] for row in rows}
    assert len(rows) == len({row["id"] for row in rows}) == listings
    assert len(release_ids) == releases
    assert min(release_ids) == lowest and max(release_ids) == lowest + releases - 1


def test_shift_makes_two_synthetic_sellers_share_releases(catalog):
    plain = {row["release"]["id"] for row in all_pages(catalog, "synthetic-200-100")}
    shifted = {row["release"]["id"] for row in all_pages(catalog, "synthetic-200-100-50")}
    apart = {row["release"]["id"] for row in all_pages(catalog, "synthetic-200-100-100")}
    assert len(plain & shifted) == 50 and not plain & apart


def test_listings_are_posted_in_ascending_order(catalog):
    rows = all_pages(catalog, "synthetic-300-50")
    assert [row["posted"] for row in rows] == sorted(row["posted"] for row in rows)
    assert all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[78]:00$", row["posted"]) for row in rows)


@pytest.mark.parametrize("seller", ["brotherlogic", "synthetic-300-120", "SecretSpot.Records"])
def test_every_listed_release_has_a_body_that_agrees_with_the_listing(catalog, seller):
    for row in all_pages(catalog, seller):
        summary = row["release"]
        body = json.loads(catalog.release(summary["id"], True))
        assert (body["id"], body["title"], body["year"]) == (summary["id"], summary["title"], summary["year"])
        community = summary["stats"]["community"]
        assert (body["community"]["have"], body["community"]["want"]) == (
            community["in_collection"], community["in_wantlist"])
        assert body["labels"][0]["catno"] == summary["catalog_number"]
        assert body["thumb"] == summary["thumbnail"]


@pytest.mark.parametrize("seller, genre_share, style_share", [
    ("brotherlogic", 0.15, 0.1), ("synthetic-2000-1000", 0.15, 0.1), ("SecretSpot.Records", 0.5, 0.35)])
def test_a_decent_share_is_latin(catalog, seller, genre_share, style_share):
    release_ids = {row["release"]["id"] for row in all_pages(catalog, seller)}
    bodies = [json.loads(catalog.release(release_id, True)) for release_id in release_ids]
    assert sum("Latin" in b["genres"] for b in bodies) / len(bodies) >= genre_share
    assert sum("Latin" in b.get("styles", []) for b in bodies) / len(bodies) >= style_share
    genres = Counter(g for b in bodies for g in b["genres"])
    assert len(genres) >= 4  # Latin among others: Jazz, Electronic, Rock, ...


def test_tracklists_have_headings_and_index_tracks(synthetic_bodies):
    rows = [track for body in synthetic_bodies for track in body["tracklist"]]
    kinds = Counter(track["type_"] for track in rows)
    assert kinds["track"] > kinds["heading"] > 0 and kinds["index"] > 0
    for track in rows:
        if track["type_"] in ("heading", "index"):
            assert track["position"] == "" and track["duration"] == ""
        if track["type_"] == "index":
            assert track["sub_tracks"] and all(sub["type_"] == "track" for sub in track["sub_tracks"])
    assert {type(track["duration"]) for track in rows} == {str}


def test_videos_are_youtube_urls_and_sometimes_absent(synthetic_bodies):
    with_videos = [body for body in synthetic_bodies if "videos" in body]
    assert 0.4 < len(with_videos) / len(synthetic_bodies) < 0.9
    uris = [video["uri"] for body in with_videos for video in body["videos"]]
    assert all(YOUTUBE.match(uri) for uri in uris)
    assert {uri.split(":")[0] for uri in uris} == {"http", "https"}
    assert all(isinstance(video["duration"], int) for body in with_videos for video in body["videos"])


def test_quirks_of_real_data_occur(synthetic_bodies):
    assert any(body["lowest_price"] is None for body in synthetic_bodies)
    assert any(isinstance(body["lowest_price"], float) for body in synthetic_bodies)
    assert any("styles" not in body for body in synthetic_bodies)
    year_zero = [body for body in synthetic_bodies if body["year"] == 0]
    assert year_zero and all("released" not in body for body in year_zero)
    assert any("master_id" not in body for body in synthetic_bodies)
    assert any(body["artists"][-1]["join"] == "," for body in synthetic_bodies)
    assert any(body["artists"][0]["name"] == "Various" for body in synthetic_bodies)
    assert all(isinstance(f["qty"], str) for body in synthetic_bodies for f in body["formats"])


def test_generated_bodies_have_the_keys_of_recorded_ones(catalog, synthetic_bodies):
    recorded = set(catalog.recorded.releases_anon[249504])
    for body in synthetic_bodies:
        assert set(body) <= recorded
        assert set(body) >= recorded - {"videos", "styles", "master_id", "master_url", "notes", "released",
                                        "released_formatted", "images"}


@pytest.mark.parametrize("display, names, anvs, joins", [
    ("John Cameron (2)", ["John Cameron (2)"], [""], [""]),
    ("Dee Dee*, Barry And The Movements*", ["Dee Dee", "Barry And The Movements"],
     ["Dee Dee", "Barry And The Movements"], [",", ""]),
    ("Alexander Courage / John Williams (4)", ["Alexander Courage", "John Williams (4)"], ["", ""], ["/", ""]),
    ("Various", ["Various"], [""], [""]),
])
def test_recorded_display_artists_become_credits(display, names, anvs, joins):
    core = gen.core_from_summary({"id": 1, "artist": display, "title": "T", "format": "LP", "year": 0,
                                  "catalog_number": "X1"})
    assert [a["name"] for a in core["artists"]] == names
    assert [a["anv"] for a in core["artists"]] == anvs
    assert [a["join"] for a in core["artists"]] == joins


@pytest.mark.parametrize("display, expected", [
    ('7", Single', [{"name": "Vinyl", "qty": "1", "descriptions": ['7"', "Single"]}]),
    ("2xLP, Comp", [{"name": "Vinyl", "qty": "2", "descriptions": ["LP", "Comp"]}]),
    ("Cass, Album", [{"name": "Cassette", "qty": "1", "descriptions": ["Album"]}]),
    ('LP, Album, RE + 7", RE', [{"name": "Vinyl", "qty": "1", "descriptions": ["LP", "Album", "RE"]},
                               {"name": "Vinyl", "qty": "1", "descriptions": ['7"', "RE"]}]),
])
def test_format_strings_become_format_objects(display, expected):
    assert gen._formats(display) == expected
