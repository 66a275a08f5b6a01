"""Confidence of a foreign service's answer, and reading the services' answers (pure code)."""

import pytest

from discogs_harvest.enrich import apple_music, spotify, wikipedia
from discogs_harvest.enrich.answers import Candidate, ShapeError
from discogs_harvest.enrich.matching import album_confidence, artist_key, is_low, title_key


@pytest.mark.parametrize("given, expected", [
    ("Persuader, The (2)", "the persuader"),
    ("Rubén Blades & Willie Colón", "ruben blades and willie colon"),
    ("Gal Costa*", "gal costa"),
])
def test_artist_key(given, expected):
    assert artist_key(given) == expected


@pytest.mark.parametrize("given, expected", [
    ("Abbey Road (Remastered)", "abbey road"),
    ("Acid [Deluxe Edition]", "acid"),
    ("Riot! - 2011 Remaster", "riot"),
    ("Live (At The Apollo)", "live at the apollo"),
])
def test_title_key(given, expected):
    assert title_key(given) == expected


@pytest.mark.parametrize("found_artist, found_title, low", [
    ("Celia Cruz", "Son Con Guaguancó", False),
    ("CELIA CRUZ", "Son con Guaguanco (Remastered)", False),
    ("Cruz, Celia", "Son Con Guaguancó", False),
    ("Celia Cruz", "Greatest Hits Live In Concert", True),
    ("Tito Puente", "Dance Mania", True),
])
def test_album_confidence(found_artist, found_title, low):
    confidence = album_confidence("Celia Cruz", "Son Con Guaguancó", found_artist, found_title)
    assert 0 <= confidence <= 1 and is_low(confidence) is low


def test_exact_match_is_certain():
    assert album_confidence("Celia Cruz (2)", "Son Con Guaguancó", "Celia Cruz", "Son Con Guaguancó") == 1.0


@pytest.mark.parametrize("data, problem", [
    ([], "answer is list"),
    ({"results": {"albums": {"data": [{"id": "1"}]}}}, "attributes"),
    ({"results": {"albums": {"data": [{"id": 1, "attributes": {"artistName": "a", "name": "t"}}]}}}, ".id is int"),
])
def test_apple_answers_of_the_wrong_shape_are_refused(data, problem):
    with pytest.raises(ShapeError, match=problem.replace(".", r"\.")):
        apple_music.candidates(data)


def test_apple_artwork_template_is_filled_at_2000():
    assert apple_music.artwork_url("https://x/{w}x{h}bb.jpg") == "https://x/2000x2000bb.jpg"


def test_spotify_answers():
    data = {"albums": {"items": [{"id": "abc", "name": "Acid", "artists": [{"name": "Ray Barretto"}],
                                  "external_urls": {"spotify": "https://open.spotify.com/album/abc"},
                                  "release_date": "1968-01-01", "images": [{"url": "s", "width": 64},
                                                                           {"url": "l", "width": 640}]}]}}
    assert spotify.candidates(data) == [Candidate("abc", "Ray Barretto", "Acid", "https://open.spotify.com/album/abc",
                                                  "l", year=1968)]
    with pytest.raises(ShapeError):
        spotify.candidates({"albums": {"items": None}})
    assert spotify.error_text({"error": "invalid_client", "error_description": "Invalid client"}) == \
        "invalid_client: Invalid client"


@pytest.mark.parametrize("name, found, low", [
    ("Celia Cruz", Candidate("Celia Cruz", title="Celia Cruz", kind="standard", description="Cuban singer"), False),
    ("Acid", Candidate("Acid", title="Acid", kind="disambiguation", description="Topics"), True),
    ("Rain", Candidate("Rain", title="Rain", kind="standard", description="Liquid water in droplets"), True),
])
def test_wikipedia_confidence(name, found, low):
    assert is_low(wikipedia.confidence(name, found)) is low


def test_wikipedia_page_titles():
    assert wikipedia.page_title("Persuader, The (2)") == "The Persuader"
    assert wikipedia.summary_url("https://en.wikipedia.org/", "AC/DC") == \
        "https://en.wikipedia.org/api/rest_v1/page/summary/AC%2FDC"
