"""The Apple Music, Spotify, Wikipedia and image stand-ins over real HTTP: they answer as the
services do, refuse wrong credentials as they do, and log every request."""

import base64
import http.client
import io
import json
import time
from urllib.parse import urlencode, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image

from discogs_harvest.enrich import apple_music
from discogs_harvest.sandbox.foreign import ForeignStandInProcess

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(60)]

UA = "discogs-harvest-tests/1.0"
ALBUMS = [{"artist": "Celia Cruz", "title": "Son Con Guaguancó", "year": 1966},
          {"artist": "Eddie Palmieri", "title": "Azúcar Pa' Ti", "year": 1965, "variant": "remaster"},
          {"artist": "Joe Bataan", "title": "Riot!", "year": 1968, "variant": "wrong"},
          {"artist": "Ray Barretto", "title": "Acid", "year": 1968, "variant": "missing"}]


@pytest.fixture(scope="module")
def stand_in():
    with ForeignStandInProcess() as process:
        process.albums(ALBUMS)
        process.artists(missing=["Nobody Known"], disambiguation=["Acid"])
        yield process


def call(stand_in, method, path, headers=None, body=None):
    parts = urlsplit(stand_in.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request(method, path, body=body, headers={"User-Agent": UA, **(headers or {})})
    response = connection.getresponse()
    status, content_type, data = response.status, response.getheader("Content-Type"), response.read()
    connection.close()
    return status, content_type, data


@pytest.fixture(scope="module")
def key(stand_in):
    info = stand_in.apple_key()
    return serialization.load_pem_private_key(info["pem"].encode(), None), info["key_id"], info["team_id"]


def apple(stand_in, token, term="Celia Cruz Son Con Guaguanco"):
    query = urlencode({"term": term, "types": "albums", "limit": 5})
    return call(stand_in, "GET", f"/apple/v1/catalog/us/search?{query}", {"Authorization": f"Bearer {token}"})


def test_apple_music_answers_a_good_developer_token_with_albums(stand_in, key):
    status, content_type, body = apple(stand_in, apple_music.developer_token(*key))
    assert status == 200 and content_type.startswith("application/json")
    [first, *_] = apple_music.candidates(json.loads(body))
    assert (first.artist, first.title, first.year) == ("Celia Cruz", "Son Con Guaguancó", 1966)
    assert first.artwork_url.endswith("/2000x2000bb.jpg") and first.notes


@pytest.mark.parametrize("wrong", ["kid", "team", "key", "lifetime", "none"])
def test_apple_music_refuses_a_wrong_developer_token_with_an_empty_401(stand_in, key, wrong):
    private, key_id, team_id = key
    token = {
        "kid": lambda: apple_music.developer_token(private, "OTHERKID", team_id),
        "team": lambda: apple_music.developer_token(private, key_id, "OTHERTEAM"),
        "key": lambda: apple_music.developer_token(ec.generate_private_key(ec.SECP256R1()), key_id, team_id),
        "lifetime": lambda: apple_music.developer_token(private, key_id, team_id, lifetime=15_777_001),
        "none": lambda: "",
    }[wrong]()
    status, content_type, body = apple(stand_in, token)
    assert (status, body) == (401, b"") and content_type.startswith("application/json")


def test_apple_music_finds_nothing_for_an_album_it_does_not_hold(stand_in, key):
    status, _, body = apple(stand_in, apple_music.developer_token(*key), term="zzz qqq")
    assert status == 200 and json.loads(body)["results"] == {}


def spotify_token(stand_in, client_id="sandbox-spotify-id", secret="sandbox-spotify-secret"):
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return call(stand_in, "POST", "/spotify-accounts/api/token",
                {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
                "grant_type=client_credentials")


def test_spotify_client_credentials_then_album_search(stand_in):
    status, _, body = spotify_token(stand_in)
    token = json.loads(body)
    assert status == 200 and token["token_type"] == "Bearer" and token["expires_in"] == 3600
    query = urlencode({"q": "album:Azúcar Pa' Ti artist:Eddie Palmieri", "type": "album", "limit": 5})
    status, _, body = call(stand_in, "GET", f"/spotify/v1/search?{query}",
                           {"Authorization": f"Bearer {token['access_token']}"})
    first = json.loads(body)["albums"]["items"][0]
    assert status == 200 and first["name"] == "Azúcar Pa' Ti (Remastered)"
    assert first["external_urls"]["spotify"] == f"https://open.spotify.com/album/{first['id']}"


def test_spotify_refuses_wrong_clients_and_tokens_as_spotify_does(stand_in):
    status, _, body = spotify_token(stand_in, secret="wrong")
    assert (status, json.loads(body)) == (400, {"error": "invalid_client", "error_description": "Invalid client"})
    query = urlencode({"q": "album:Riot!", "type": "album"})
    status, _, body = call(stand_in, "GET", f"/spotify/v1/search?{query}", {"Authorization": "Bearer forged"})
    assert (status, json.loads(body)) == (401, {"error": {"status": 401, "message": "Invalid access token"}})
    status, _, body = call(stand_in, "GET", f"/spotify/v1/search?{query}")
    assert status == 401 and json.loads(body)["error"]["message"] == "No token provided"


@pytest.mark.parametrize("title, status, kind", [("Celia_Cruz", 200, "standard"), ("Acid", 200, "disambiguation"),
                                                  ("Nobody_Known", 404, None)])
def test_wikipedia_summaries(stand_in, title, status, kind):
    answer, content_type, body = call(stand_in, "GET", f"/wikipedia/api/rest_v1/page/summary/{title}")
    assert answer == status
    if kind:
        assert json.loads(body)["type"] == kind
    else:
        assert content_type.startswith("application/problem+json") and json.loads(body)["title"] == "Not found."


def test_wikipedia_wants_a_user_agent(stand_in):
    parts = urlsplit(stand_in.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.putrequest("GET", "/wikipedia/api/rest_v1/page/summary/Celia_Cruz", skip_accept_encoding=True)
    connection.endheaders()
    assert connection.getresponse().status == 403
    connection.close()


def test_images_are_small_jpegs_the_same_for_the_same_path(stand_in):
    first = call(stand_in, "GET", "/images/abc/rs:fit/h:600/w:600/R-1-1.jpeg")
    again = call(stand_in, "GET", "/images/abc/rs:fit/h:600/w:600/R-1-1.jpeg")
    other = call(stand_in, "GET", "/images/apple/123/2000x2000bb.jpg")
    assert first[0] == 200 and first[1] == "image/jpeg" and first[2] == again[2] != other[2]
    assert Image.open(io.BytesIO(first[2])).format == "JPEG"


def test_every_service_request_is_logged(stand_in):
    stand_in.reset()
    call(stand_in, "GET", "/wikipedia/api/rest_v1/page/summary/Celia_Cruz")
    spotify_token(stand_in)
    assert [(e["service"], e["status"]) for e in stand_in.log()] == [("wikipedia", 200), ("spotify_accounts", 200)]


def test_developer_token_is_es256_with_kid_and_team(key):
    private, key_id, team_id = key
    token = apple_music.developer_token(private, key_id, team_id, now=time.time())
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": key_id, "typ": "JWT"}
    claims = jwt.decode(token, private.public_key(), algorithms=["ES256"], issuer=team_id)
    assert claims["exp"] - claims["iat"] == apple_music.TOKEN_LIFETIME
