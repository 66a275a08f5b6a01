"""Datasette on a harvested database, in a subprocess on 127.0.0.1, checked over HTTP: labels,
facets, every canned query, full-text search; then the album page in headless Chromium.

The database is a real harvest: a synthetic seller from the sandbox with ``check_videos=1``
(every video playable), then two ``youtube_health`` checks a day apart (stored times moved back a
day) after the oEmbed stand-in calls some videos removed, so that those are confirmed gone.
"""

import importlib.util
import json
import sqlite3
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest

from discogs_harvest.sandbox.process import SandboxProcess
from discogs_harvest.sandbox.youtube import OembedStandInProcess
from tests.browse.cdp import find_chromium, load_page
from tests.integration.conftest import FAST_SANDBOX
from tests.integration.crawling import ROOT, rows
from tests.integration.inprocess import crawl_in_process as crawl

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(300)]

if importlib.util.find_spec("datasette") is None:
    pytest.skip("Datasette is not installed: `make test` installs requirements-browse.txt", allow_module_level=True)


@pytest.fixture(scope="module")
def harvested(tmp_path_factory):
    database = tmp_path_factory.mktemp("browse") / "discogs.db"
    with SandboxProcess(*FAST_SANDBOX) as sandbox, OembedStandInProcess() as stand_in:
        # Videos are generated per release: ask the stand-in to call the first releases' ones removed.
        youtube = {"YOUTUBE_OEMBED_URL": stand_in.oembed_url, "YOUTUBE_RATE_PERIOD": "1",
                   "YOUTUBE_RATE_LIMIT": "100"}
        result = crawl("seller_inventory", sandbox, database, "seller=synthetic-80-50", "check_videos=1",
                       settings=youtube)
        assert result.returncode == 0, result.stderr[-2000:]
        videos = sorted(r["id"] for r in rows(database, "SELECT id FROM youtube_videos"))
        assert len(stand_in.log()) == len(videos)  # each video checked once, after its release
        assert {r["status"] for r in rows(database, "SELECT status FROM youtube_videos")} == {"playable"}
        stand_in.videos(removed=videos[:4])
        result = crawl("youtube_health", sandbox, database, "older_than=0", settings=youtube)
        assert result.returncode == 0, result.stderr[-2000:]
        with sqlite3.connect(database) as connection:
            connection.execute("UPDATE youtube_videos SET checked_at = datetime(checked_at, '-25 hours'), "
                               "first_failure_at = datetime(first_failure_at, '-25 hours')")
        result = crawl("youtube_health", sandbox, database, "older_than=1d", settings=youtube)
        assert result.returncode == 0, result.stderr[-2000:]
    return database, set(videos[:4])


@pytest.fixture(scope="module")
def datasette(harvested):
    database, _ = harvested
    process = subprocess.Popen([sys.executable, "-m", "discogs_harvest.browse", "--db", str(database), "--port", "0"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/discogs"), (url, process.stderr.read())
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        process.stdout.close()
        process.stderr.close()


def get_json(url, path, **params):
    query = urllib.parse.urlencode(params)
    with urllib.request.urlopen(f"{url}/{path}?{query}", timeout=30) as response:
        return json.loads(response.read())


def get_text(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode()


def test_labels(datasette, harvested):
    database, _ = harvested
    listings = get_json(datasette, "collection_items.json", _labels="on", _shape="array", _size="5")
    albums = {r["discogs_release_id"]: f"{r['artist']} - {r['title']}" for r in rows(database, "SELECT * FROM albums")}
    sellers = {r["id"]: r["username"] for r in rows(database, "SELECT * FROM sellers")}
    assert listings
    for listing in listings:
        assert listing["album_id"]["label"] == albums[listing["album_id"]["value"]]
        assert listing["seller_id"]["label"] == sellers[listing["seller_id"]["value"]]
    styles = {r["id"]: r["name"] for r in rows(database, "SELECT * FROM styles")}
    for link in get_json(datasette, "album_styles.json", _labels="on", _shape="array", _size="5"):
        assert link["style_id"]["label"] == styles[link["style_id"]["value"]]
        assert link["album_id"]["label"] == albums[link["album_id"]["value"]]
    genres = {r["id"]: r["name"] for r in rows(database, "SELECT * FROM genres")}
    for link in get_json(datasette, "album_genres.json", _labels="on", _shape="array", _size="5"):
        assert link["genre_id"]["label"] == genres[link["genre_id"]["value"]]


def test_default_facets_and_descriptions(datasette, harvested):
    database, gone = harvested
    page = get_json(datasette, "collection_items.json")
    currencies = {r["currency"]: r["n"] for r in rows(
        database, "SELECT currency, count(*) n FROM collection_items GROUP BY currency")}
    facet = page["facet_results"]["currency"]["results"]
    assert {r["value"]: r["count"] for r in facet} == currencies
    assert set(page["facet_results"]) >= {"collection_id", "currency", "condition", "is_available"}
    statuses = get_json(datasette, "youtube_videos.json")["facet_results"]["status"]["results"]
    assert {r["value"]: r["count"] for r in statuses}["removed"] == len(gone)
    html = get_text(f"{datasette}/albums")
    assert "Search covers artist, title" in html and "Lowest price of the release" in html


def test_canned_queries(datasette, harvested):
    database, gone = harvested
    style, = rows(database, "SELECT s.name FROM styles s JOIN album_styles a ON a.style_id = s.id "
                            "GROUP BY s.id ORDER BY count(*) DESC LIMIT 1")[0].values()
    expected = rows(database, "SELECT ci.listing_id FROM collection_items ci JOIN album_styles ast ON "
                              "ast.album_id = ci.album_id JOIN styles s ON s.id = ast.style_id "
                              "WHERE s.name = ? AND ci.price <= 30 AND ci.is_available = 1", style)
    found = get_json(datasette, "listings_of_a_style_under_a_price.json", style=style.lower(), max_price="30",
                     _shape="array", _size="max")
    assert expected and sorted(r["listing_id"] for r in found) == sorted(r["listing_id"] for r in expected)
    assert all(r["price"] <= 30 for r in found) and [r["price"] for r in found] == sorted(r["price"] for r in found)

    everything = get_json(datasette, "new_listings_since.json", since="2000-01-01", _shape="array", _size="max")
    assert len(everything) == 80
    assert get_json(datasette, "new_listings_since.json", since="2999-01-01", _shape="array") == []

    broken = get_json(datasette, "releases_with_broken_videos.json", _shape="array", _size="max")
    assert {r["video_id"] for r in broken} == gone and {r["status"] for r in broken} == {"removed"}

    wanted = get_json(datasette, "most_wanted_releases_of_a_seller.json", seller="Synthetic-80-50",
                      _shape="array", _size="max")
    assert len(wanted) == 80
    assert [r["want_count"] for r in wanted] == sorted((r["want_count"] for r in wanted), reverse=True)


def test_full_text_search(datasette, harvested):
    database, _ = harvested
    album = rows(database, "SELECT * FROM albums ORDER BY discogs_release_id LIMIT 1")[0]
    track = rows(database, "SELECT title FROM tracks WHERE album_id = ? ORDER BY sequence DESC LIMIT 1",
                 album["discogs_release_id"])[0]["title"]
    for words in (album["artist"], album["title"], album["label"], track):
        found = get_json(datasette, "albums.json", _search=words, _shape="array", _size="max")
        assert album["discogs_release_id"] in [r["discogs_release_id"] for r in found], words
    assert get_json(datasette, "albums.json", _search="zzzqqqxxx", _shape="array") == []


def test_album_page_in_headless_chromium(datasette, harvested):
    chromium, why = find_chromium()
    if chromium is None:
        pytest.skip(why)
    database, gone = harvested
    release_id = rows(database, "SELECT album_id FROM album_videos WHERE video_id = ?", sorted(gone)[0])[0]["album_id"]
    album = rows(database, "SELECT * FROM albums WHERE discogs_release_id = ?", release_id)[0]
    tracks = [r["title"] for r in rows(database, "SELECT title FROM tracks WHERE album_id = ? ORDER BY sequence",
                                       release_id)]
    videos = rows(database, "SELECT v.id, v.title, v.status FROM album_videos av JOIN youtube_videos v "
                            "ON v.id = av.video_id WHERE av.album_id = ? ORDER BY av.order_index", release_id)
    base = datasette.rsplit("/", 1)[0]
    report = load_page(chromium, f"{base}/-/album/{release_id}", """JSON.stringify({
        heading: document.querySelector('#album-title').innerText,
        label: document.querySelector('#album-label').innerText,
        tracks: [...document.querySelectorAll('#tracks tr.track td:nth-child(2)')].map(td => td.innerText),
        videos: [...document.querySelectorAll('#videos li.video')].map(li => li.innerText),
        stylesheets: document.styleSheets.length})""")
    assert report.errors == []
    page = json.loads(report.values)
    assert page["heading"] == f"{album['artist']} - {album['title']}"
    assert page["label"].startswith(album["label"])
    assert page["tracks"] and [t.split(" (")[0] for t in page["tracks"]] == tracks
    assert len(page["videos"]) == len(videos)
    for shown, video in zip(page["videos"], videos):
        assert shown.startswith(video["title"] or video["id"]) and video["status"] in shown
    assert "removed" in " ".join(page["videos"])
    assert page["stylesheets"] >= 1  # Datasette's own CSS loaded from the same server


def test_browse_without_a_database_says_so(tmp_path):
    result = subprocess.run([sys.executable, "-m", "discogs_harvest.browse", "--db", str(tmp_path / "none.db")],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stderr.strip()) == (
        2, f"error: no database at {tmp_path / 'none.db'}: harvest something first (make demo)")
    assert not (tmp_path / "none.db").exists()
