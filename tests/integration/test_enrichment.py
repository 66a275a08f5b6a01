"""Enrichment end to end: 200 synthetic releases harvested from the Discogs sandbox, then the
apple_music, spotify and wikipedia spiders against the foreign stand-ins, as a user runs them.

The stand-ins hold each album as ``exact``, ``remaster`` (title with " (Remastered)"),
``wrong`` (only another album of the artist is found) or ``missing``; the stored confidence
must follow: certain for the first two, flagged low for the others. One search per release
and service, a killed run resumed without asking again what it stored, and wrong
credentials of one service ending that spider alone, in one line, exit 4.
"""

import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from urllib.parse import parse_qs

import pytest

from discogs_harvest.enrich.matching import album_confidence
from discogs_harvest.enrich.wikipedia import page_title
from discogs_harvest.sandbox.foreign import Album, ForeignStandInProcess, albums_from_database
from tests import forkserver
from tests.integration.crawling import ROOT, crawl_command, rows
from tests.integration.inprocess import crawl_in_process as crawl

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(300)]

FAST = {f"{service}_{name}": value for service in ("APPLE_MUSIC", "SPOTIFY", "WIKIPEDIA")
        for name, value in (("RATE_PERIOD", "1"), ("RATE_LIMIT", "100"))}


@pytest.fixture(scope="module")
def harvested(module_sandbox, tmp_path_factory):
    database = tmp_path_factory.mktemp("enrich") / "discogs.db"
    result = crawl("seller_inventory", module_sandbox, database, "seller=synthetic-230-200")
    assert result.returncode == 0, result.stderr[-2000:]
    return database


def variants(albums):
    """Release index -> variant: every 10th wrong, every 10th (offset 5) missing, every 7th remastered,
    wrong/missing only where no other album could pass for the release (so the low score is certain)."""
    def unique(n):
        """No other album passes for album ``n`` (asked only of the wrong and missing candidates, a
        fifth of the albums: 200 x 199 comparisons took ~2 s of the file's CPU)."""
        album = albums[n]
        return all(album_confidence(album["artist"], album["title"], a["artist"], a["title"]) < 0.8
                   for m, a in enumerate(albums) if m != n)

    chosen = {}
    for n in range(len(albums)):
        if n % 10 == 0 and unique(n):
            chosen[n] = "wrong"
        elif n % 10 == 5 and unique(n):
            chosen[n] = "missing"
        elif n % 7 == 3:
            chosen[n] = "remaster"
        else:
            chosen[n] = "exact"
    return chosen


@pytest.fixture(scope="module")
def stand_in(harvested, tmp_path_factory):
    with ForeignStandInProcess() as process:
        yield process



def apple_env(stand_in, folder, **changes):
    info = stand_in.apple_key()
    key_file = folder / "AuthKey.p8"
    key_file.write_text(info["pem"])
    return {"APPLE_MUSIC_KEY_FILE": str(key_file), "APPLE_MUSIC_KEY_ID": info["key_id"],
            "APPLE_MUSIC_TEAM_ID": info["team_id"], **changes}


SPOTIFY_ENV = {"SPOTIFY_CLIENT_ID": "sandbox-spotify-id", "SPOTIFY_CLIENT_SECRET": "sandbox-spotify-secret"}


def matches(database, service):
    return {r["subject_id"]: r for r in rows(database, "SELECT * FROM enrichment_matches WHERE service = ?", service)}


def searches(stand_in, service, since=0):
    return [e["query"] for e in stand_in.log(since) if e["service"] == service]


def test_enrichment_of_200_releases(module_sandbox, harvested, stand_in, tmp_path):
    database = harvested
    albums = sorted(rows(database, "SELECT discogs_release_id AS id, artist, title, released_year AS year "
                                   "FROM albums"), key=lambda a: int(a["id"]))
    assert len(albums) == 200
    chosen = variants(albums)
    assert Counter(chosen.values())["wrong"] >= 10 and Counter(chosen.values())["missing"] >= 10
    stand_in.albums([{"artist": a["artist"], "title": a["title"], "year": a["year"], "variant": chosen[n]}
                     for n, a in enumerate(albums)])
    artists = rows(database, "SELECT DISTINCT artist_id, name FROM album_artists WHERE track_sequence IS NULL "
                             "AND artist_id > 0 AND artist_id != 194 ORDER BY artist_id")
    titles = sorted({page_title(a["name"]) for a in artists})
    missing_artists, ambiguous = set(titles[0:5]), set(titles[5:8])
    stand_in.artists(missing=missing_artists, disambiguation=ambiguous)
    settings = {**stand_in.settings(), **FAST}

    # Wrong credentials: each ends its own spider in one line, exit 4, and stores nothing.
    stand_in.reset()
    wrong_apple = crawl("apple_music", module_sandbox, database, settings=settings,
                        env=apple_env(stand_in, tmp_path, APPLE_MUSIC_KEY_ID="NOTMYKEY"))
    assert wrong_apple.returncode == 4, wrong_apple.stderr[-2000:]
    assert wrong_apple.error_lines == ["error: Apple Music refused the credentials (HTTP 401); check "
                                       "APPLE_MUSIC_KEY_FILE, APPLE_MUSIC_KEY_ID and APPLE_MUSIC_TEAM_ID (.env)"]
    wrong_spotify = crawl("spotify", module_sandbox, database, settings=settings,
                          env={**SPOTIFY_ENV, "SPOTIFY_CLIENT_SECRET": "not-the-secret"})
    assert wrong_spotify.returncode == 4, wrong_spotify.stderr[-2000:]
    assert wrong_spotify.error_lines == ["error: Spotify refused the client credentials (HTTP 400: invalid_client: "
                                         "Invalid client); check SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET (.env)"]
    assert not rows(database, "SELECT * FROM enrichment_matches")
    assert not searches(stand_in, "spotify")  # no search is sent without a token

    # Spotify and Wikipedia, unaffected: one search per release (per artist), every one stored.
    seq = stand_in.log()[-1]["seq"]
    for spider, env in (("spotify", SPOTIFY_ENV), ("wikipedia", {})):
        result = crawl(spider, module_sandbox, database, settings=settings, env=env)
        assert result.returncode == 0, result.stderr[-2000:]
    spotify_searches = searches(stand_in, "spotify", seq)
    assert len(spotify_searches) == len(set(spotify_searches)) == 200
    assert len(searches(stand_in, "wikipedia", seq)) == len(artists)

    # Apple Music, killed half-way, then resumed: what was stored is not asked again.
    slow = {**settings, "APPLE_MUSIC_RATE_LIMIT": "40"}
    command, environ = crawl_command("apple_music", module_sandbox, database, settings=slow,
                                     env=apple_env(stand_in, tmp_path))
    seq = stand_in.log()[-1]["seq"]
    process = forkserver.popen(command, cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(matches(database, "apple_music")) < 60 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    stored_before = matches(database, "apple_music")
    assert 60 <= len(stored_before) < 200
    asked_first = searches(stand_in, "apple_music", seq)
    seq = stand_in.log()[-1]["seq"]
    resumed = crawl("apple_music", module_sandbox, database, settings=settings, env=apple_env(stand_in, tmp_path))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    asked_again = searches(stand_in, "apple_music", seq)
    assert len(asked_first) >= len(stored_before)  # a search in flight at the kill may be lost, never a stored one
    # Exactly the releases without a stored answer were asked about, each once.
    assert Counter(parse_qs(q)["term"][0] for q in asked_again) == \
        Counter(f"{a['artist']} {a['title']}" for a in albums if a["id"] not in stored_before)
    again = crawl("apple_music", module_sandbox, database, settings=settings, env=apple_env(stand_in, tmp_path))
    assert again.returncode == 0 and not searches(stand_in, "apple_music", seq)[len(asked_again):]

    # Every service stored an answer for every subject, with the confidence its variant implies.
    for service in ("apple_music", "spotify"):
        stored = matches(database, service)
        assert len(stored) == 200
        for n, album in enumerate(albums):
            row = stored[album["id"]]
            assert row["query"] and row["matched_at"]
            if chosen[n] in ("exact", "remaster"):
                assert (row["status"], row["confidence"], row["low_confidence"]) == ("matched", 1.0, 0), (n, row)
                assert row["url"]
            else:
                assert row["low_confidence"] == 1 and row["confidence"] < 0.8, (n, chosen[n], row)
                assert row["status"] in ("low_confidence", "not_found")
        assert {row["status"] for n, row in enumerate(stored[a["id"]] for a in albums) if chosen[n] == "wrong"} == \
            {"low_confidence"}
    apple = matches(database, "apple_music")
    assert all(r["artwork_url"].endswith("/2000x2000bb.jpg") and r["notes"] for r in apple.values()
               if r["status"] == "matched")
    wiki = matches(database, "wikipedia")
    assert len(wiki) == len(artists)
    for artist in artists:
        row = wiki[str(artist["artist_id"])]
        if page_title(artist["name"]) in missing_artists:
            assert (row["status"], row["confidence"]) == ("not_found", 0.0)
        elif page_title(artist["name"]) in ambiguous:
            assert (row["status"], row["confidence"], row["low_confidence"]) == ("low_confidence", 0.3, 1)
        else:
            assert (row["status"], row["confidence"]) == ("matched", 1.0) and row["notes"]


def test_album_variants_are_what_the_stand_in_serves():
    assert Album("A", "T", variant="remaster").listed() == ("A", "T (Remastered)")
    assert Album("A", "T", variant="missing").listed() is None


def test_an_expired_spotify_token_stops_the_run_resumably(module_sandbox, harvested, stand_in):
    database = harvested
    stand_in.albums([{"artist": a["artist"], "title": a["title"]} for a in rows(database, "SELECT artist, title FROM albums")])
    with sqlite3.connect(database) as connection:  # forget 40 answers, so there is something to ask
        connection.execute("DELETE FROM enrichment_matches WHERE service = 'spotify' AND subject_id IN "
                           "(SELECT subject_id FROM enrichment_matches WHERE service = 'spotify' LIMIT 40)")
    stand_in.credentials(spotify_token_seconds=1)
    settings = {**stand_in.settings(), **FAST, "SPOTIFY_RATE_LIMIT": "10"}  # 40 searches take 4 s
    try:
        stopped = crawl("spotify", module_sandbox, database, settings=settings, env=SPOTIFY_ENV)
    finally:
        stand_in.credentials(spotify_token_seconds=3600)
    assert stopped.returncode == 6, stopped.stderr[-2000:]
    [line] = stopped.error_lines
    assert line.startswith("error: harvest stopped before its end (token_expired): ") and "scrapy crawl spotify" in line
    left = 200 - len(matches(database, "spotify"))
    assert 0 < left < 40
    seq = stand_in.log()[-1]["seq"]
    resumed = crawl("spotify", module_sandbox, database, settings=settings, env=SPOTIFY_ENV)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert len(searches(stand_in, "spotify", seq)) == left and len(matches(database, "spotify")) == 200
