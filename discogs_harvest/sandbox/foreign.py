"""Stand-ins for Apple Music, Spotify, Wikipedia and the image hosts, on one port of their own.

``python -m discogs_harvest.sandbox.foreign [--port 0] [--from-database sqlite:///data/discogs.db]
[--apple-key-file KEY.p8 --apple-key-id ID --apple-team-id TEAM] [--spotify-client ID:SECRET]
[--log FILE.jsonl]`` prints its base URL on the first stdout line. Each service lives under
its own path, as each real one lives on its own host; point the settings at them::

    APPLE_MUSIC_API_URL  = <url>/apple           (https://api.music.apple.com)
    SPOTIFY_ACCOUNTS_URL = <url>/spotify-accounts (https://accounts.spotify.com)
    SPOTIFY_API_URL      = <url>/spotify          (https://api.spotify.com)
    WIKIPEDIA_API_URL    = <url>/wikipedia        (https://en.wikipedia.org)
    DISCOGS_IMAGE_URL    = <url>/images           (https://i.discogs.com)

What the answers are modelled on (public documentation and consumers' bug reports; no
foreign-services facts file covers these three services, so treat edge cases as uncertain):

- Apple Music: ``GET /v1/catalog/{storefront}/search?term=&types=albums&limit=`` with
  ``Authorization: Bearer <developer token>``. The token is a JWT signed ES256 with the
  MusicKit key: header ``alg``/``kid``, claims ``iss`` (team id), ``iat``, ``exp`` at most
  15777000 s (six months) after ``iat`` (Apple's "Generating Developer Tokens"; the
  apple-music-jwt PR #2 thread quotes the limit). Any problem with it answers 401 with a JSON
  content type and an empty body (apple-music-token-generator #14's curl trace). Found albums
  come as ``{"results": {"albums": {"href", "data": [{"id", "type": "albums", "href",
  "attributes": {"artistName", "name", "url", "releaseDate", "artwork": {"url":
  ".../{w}x{h}bb.jpg", "width", "height"}, "editorialNotes": {"standard", "short"}}}]}}}``;
  nothing found is ``{"results": {}, "meta": {"results": {"order": []}}}``.
- Spotify: ``POST /api/token`` (accounts host) with HTTP Basic client id/secret and
  ``grant_type=client_credentials`` answers ``{"access_token", "token_type": "Bearer",
  "expires_in": 3600}``; a wrong client is 400 ``{"error": "invalid_client",
  "error_description": "Invalid client"}`` (spotify/web-api #597, #1372). ``GET /v1/search?q=
  album:T artist:A&type=album&limit=`` answers ``{"albums": {"href", "items": [{"id", "name",
  "artists": [{"id", "name"}], "external_urls": {"spotify"}, "uri", "release_date",
  "images"}], "limit", "offset", "total", "next", "previous"}}``; a bad or missing bearer token
  is 401 ``{"error": {"status": 401, "message": "Invalid access token"}}``, an expired one 401
  ``"The access token expired"`` (tokens last ``expires_in``, an hour; ``POST
  /_sandbox/credentials {"spotify_token_seconds": N}`` shortens it).
- Wikipedia: ``GET /api/rest_v1/page/summary/{title}`` (no key; a User-Agent is required by
  Wikimedia's policy, 403 without one) answers ``{"type": "standard", "title", "displaytitle",
  "description", "extract", "thumbnail": {"source", "width", "height"}, "content_urls":
  {"desktop": {"page"}}}``; a page that does not exist is 404 with an
  ``application/problem+json`` body; a disambiguation page is 200 with ``"type":
  "disambiguation"``.
- Images (Discogs' ``i.discogs.com`` paths, Apple's artwork URLs, Wikipedia thumbnails): a
  small generated JPEG, its colour derived from the path, so the same URL is the same image.

The albums the stand-ins know are the ones they are given: ``--from-database`` reads every
stored album (artist, title, year), ``POST /_sandbox/albums`` adds some. Each album may carry a
``variant`` saying how the services hold it: ``exact`` (the default), ``remaster`` (title with
" (Remastered)"), ``wrong`` (only a different album of the same artist is found), ``missing``
(not found at all). ``POST /_sandbox/artists`` names artists Wikipedia has no page for
(``missing``) or only a disambiguation page (``disambiguation``). ``POST /_sandbox/credentials``
changes what each service accepts. Search is token overlap between the query and the albums'
artist and title words, best first, as a search engine ranks.

Control routes (never logged): ``GET /_sandbox/log?since=N`` (``seq, t, service, path, query,
status, client, user_agent``), ``GET /_sandbox/apple-key`` (the PEM of the MusicKit key the
stand-in checks tokens against: generated when none was given), ``POST /_sandbox/albums``,
``POST /_sandbox/artists``, ``POST /_sandbox/credentials``, ``POST /_sandbox/reset`` (the log).
"""

import argparse
import asyncio
import base64
import hashlib
import io
import json
import re
import secrets
import sqlite3
import time
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from discogs_harvest.sandbox.process import SandboxProcess
from discogs_harvest.sandbox.reqlog import RequestLog
from discogs_harvest.sandbox.serving import control, serving

VARIANTS = ("exact", "remaster", "wrong", "missing")
APPLE_MAX_TOKEN_AGE = 15_777_000  # seconds: Apple's documented maximum lifetime of a developer token
SPOTIFY_TOKEN_SECONDS = 3600
DEFAULT_SPOTIFY_CLIENT = ("sandbox-spotify-id", "sandbox-spotify-secret")
DEFAULT_APPLE_KEY_ID = "SANDBOXKID"
DEFAULT_APPLE_TEAM_ID = "SANDBOXTEAM"


def words(text):
    """Lower-case, accent-free word tokens: what the stand-ins' search compares."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower()
    return set(re.findall(r"[a-z0-9]+", text))


def stable_id(*parts, digits=10):
    return str(int(hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest(), 16) % 10 ** digits)


@dataclass
class Album:
    artist: str
    title: str
    year: int | None = None
    variant: str = "exact"

    def listed(self):
        """(artist, title) as the foreign services hold it, or None when they do not."""
        if self.variant == "missing":
            return None
        if self.variant == "remaster":
            return self.artist, f"{self.title} (Remastered)"
        if self.variant == "wrong":
            return self.artist, "Greatest Hits Live In Concert"
        return self.artist, self.title


@dataclass
class ForeignStandIn:
    """Everything one running stand-in holds."""

    apple_key: ec.EllipticCurvePrivateKey = None
    apple_key_id: str = DEFAULT_APPLE_KEY_ID
    apple_team_id: str = DEFAULT_APPLE_TEAM_ID
    spotify_clients: dict = field(default_factory=lambda: dict([DEFAULT_SPOTIFY_CLIENT]))
    spotify_token_seconds: float = SPOTIFY_TOKEN_SECONDS
    albums: list = field(default_factory=list)
    missing_artists: set = field(default_factory=set)
    disambiguation: set = field(default_factory=set)
    log_path: str | None = None
    base_url: str = ""

    def __post_init__(self):
        self.apple_key = self.apple_key or ec.generate_private_key(ec.SECP256R1())
        self.spotify_tokens = {}  # access token -> expiry (epoch seconds)
        self.log = RequestLog(self.log_path)

    # --- configuration ---------------------------------------------------------------

    def add_albums(self, albums):
        for album in albums:
            variant = album.get("variant", "exact")
            if variant not in VARIANTS:
                raise ValueError(f"variant {variant!r} is not one of {', '.join(VARIANTS)}")
            if not album.get("artist") or not album.get("title"):
                raise ValueError("an album needs an artist and a title")
            known = next((a for a in self.albums if (a.artist, a.title) == (album["artist"], album["title"])), None)
            if known:
                known.variant, known.year = variant, album.get("year", known.year)
            else:
                self.albums.append(Album(album["artist"], album["title"], album.get("year"), variant))
        return {"albums": len(self.albums)}

    def set_artists(self, missing=(), disambiguation=()):
        self.missing_artists, self.disambiguation = set(missing), set(disambiguation)
        return {"missing": sorted(self.missing_artists), "disambiguation": sorted(self.disambiguation)}

    def set_credentials(self, spotify=None, apple_key_id=None, apple_team_id=None, spotify_token_seconds=None):
        if spotify_token_seconds is not None:
            self.spotify_token_seconds = float(spotify_token_seconds)
        if spotify is not None:
            self.spotify_clients = dict(pair.split(":", 1) for pair in spotify)
            self.spotify_tokens.clear()
        self.apple_key_id = apple_key_id or self.apple_key_id
        self.apple_team_id = apple_team_id or self.apple_team_id
        return {"spotify": sorted(self.spotify_clients), "apple_key_id": self.apple_key_id,
                "apple_team_id": self.apple_team_id}

    def apple_key_pem(self):
        return self.apple_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()).decode()

    # --- search ------------------------------------------------------------------------

    def search(self, query, limit):
        """Listed (artist, title, year) best first by shared words, at most ``limit``."""
        asked = words(query)
        scored = []
        for album in self.albums:
            listed = album.listed()
            if listed is None:
                continue
            shared = len(asked & (words(listed[0]) | words(listed[1])))
            if shared:
                scored.append((-shared, len(scored), (*listed, album.year)))
        return [found for *_, found in sorted(scored)[:limit]]

    # --- the services' checks -------------------------------------------------------------

    def apple_token_ok(self, header):
        """True when ``header`` is ``Bearer <a developer token this stand-in accepts>``."""
        scheme, _, token = (header or "").partition(" ")
        if scheme != "Bearer" or not token:
            return False
        try:
            if jwt.get_unverified_header(token).get("kid") != self.apple_key_id:
                return False
            claims = jwt.decode(token, self.apple_key.public_key(), algorithms=["ES256"],
                                issuer=self.apple_team_id, options={"require": ["iss", "iat", "exp"]})
        except jwt.PyJWTError:
            return False
        return claims["exp"] - claims["iat"] <= APPLE_MAX_TOKEN_AGE

    def spotify_client_ok(self, header):
        scheme, _, encoded = (header or "").partition(" ")
        if scheme != "Basic":
            return False
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return self.spotify_clients.get(client_id) == secret

    def spotify_token_problem(self, header):
        """None for a live token we issued, else Spotify's message for it."""
        scheme, _, token = (header or "").partition(" ")
        if scheme != "Bearer" or token not in self.spotify_tokens:
            return "Invalid access token"
        if self.spotify_tokens[token] <= time.time():
            return "The access token expired"
        return None

    def issue_spotify_token(self):
        token = secrets.token_urlsafe(32)
        self.spotify_tokens[token] = time.time() + self.spotify_token_seconds
        return token


STAND_IN = web.AppKey("foreign", ForeignStandIn)


def _logged(service):
    """Wrap a service handler so each of its requests is logged with its answer's status."""

    def wrap(handler):
        async def logged(request):
            response = await handler(request)
            request.app[STAND_IN].log.append(
                t=time.time(), service=service, path=request.path, query=request.query_string,
                status=response.status, client=request.remote, user_agent=request.headers.get("User-Agent"))
            return response

        return logged

    return wrap


# --- Apple Music ------------------------------------------------------------------------


@_logged("apple_music")
async def apple_search(request):
    stand_in = request.app[STAND_IN]
    if not stand_in.apple_token_ok(request.headers.get("Authorization")):
        return web.Response(status=401, body=b"", content_type="application/json")
    term = request.query.get("term", "")
    limit = min(int(request.query.get("limit", 5) or 5), 25)
    found = stand_in.search(term, limit)
    if not found:
        return web.json_response({"results": {}, "meta": {"results": {"order": [], "rawOrder": []}}})
    storefront = request.match_info["storefront"]
    data = []
    for artist, title, year in found:
        album_id = stable_id("apple", artist, title)
        data.append({
            "id": album_id, "type": "albums", "href": f"/v1/catalog/{storefront}/albums/{album_id}",
            "attributes": {
                "artistName": artist, "name": title, "releaseDate": f"{year}-01-01" if year else None,
                "url": f"https://music.apple.com/{storefront}/album/{quote(title.lower().replace(' ', '-'))}/{album_id}",
                "artwork": {"width": 3000, "height": 3000, "bgColor": "ffffff",
                            "url": f"{stand_in.base_url}/images/apple/{album_id}/{{w}}x{{h}}bb.jpg"},
                "editorialNotes": {"short": f"{title} by {artist}.",
                                   "standard": f"{artist}'s {title}, as the editors hear it."},
            },
        })
    return web.json_response({"results": {"albums": {
        "href": f"/v1/catalog/{storefront}/search?{request.query_string}", "data": data}},
        "meta": {"results": {"order": ["albums"], "rawOrder": ["albums"]}}})


# --- Spotify ----------------------------------------------------------------------------


@_logged("spotify_accounts")
async def spotify_token(request):
    stand_in = request.app[STAND_IN]
    form = await request.post()
    if not stand_in.spotify_client_ok(request.headers.get("Authorization")):
        return web.json_response({"error": "invalid_client", "error_description": "Invalid client"}, status=400)
    if form.get("grant_type") != "client_credentials":
        return web.json_response({"error": "unsupported_grant_type",
                                  "error_description": "grant_type parameter is missing"}, status=400)
    return web.json_response({"access_token": stand_in.issue_spotify_token(), "token_type": "Bearer",
                              "expires_in": int(stand_in.spotify_token_seconds)})


@_logged("spotify")
async def spotify_search(request):
    stand_in = request.app[STAND_IN]
    if not request.headers.get("Authorization"):
        return web.json_response({"error": {"status": 401, "message": "No token provided"}}, status=401)
    problem = stand_in.spotify_token_problem(request.headers.get("Authorization"))
    if problem:
        return web.json_response({"error": {"status": 401, "message": problem}}, status=401)
    if request.query.get("type") != "album":
        return web.json_response({"error": {"status": 400, "message": "Bad search type field"}}, status=400)
    limit = min(int(request.query.get("limit", 5) or 5), 50)
    query = re.sub(r"\b(album|artist|year):", " ", request.query.get("q", ""))
    items = []
    for artist, title, year in stand_in.search(query, limit):
        album_id = base64.urlsafe_b64encode(hashlib.sha1(f"{artist}:{title}".encode()).digest()).decode()[:22]
        items.append({
            "id": album_id, "name": title, "album_type": "album", "uri": f"spotify:album:{album_id}",
            "artists": [{"id": stable_id("spotify-artist", artist), "name": artist, "type": "artist"}],
            "external_urls": {"spotify": f"https://open.spotify.com/album/{album_id}"},
            "release_date": str(year) if year else "0000", "release_date_precision": "year",
            "images": [{"url": f"{stand_in.base_url}/images/spotify/{album_id}.jpg", "width": 640, "height": 640}],
        })
    return web.json_response({"albums": {"href": str(request.url), "items": items, "limit": limit, "offset": 0,
                                         "total": len(items), "next": None, "previous": None}})


# --- Wikipedia --------------------------------------------------------------------------


@_logged("wikipedia")
async def wikipedia_summary(request):
    stand_in = request.app[STAND_IN]
    if not request.headers.get("User-Agent", "").strip():
        return web.Response(status=403, text="Please set a user-agent and respect our robot policy.")
    title = unquote(request.match_info["title"]).replace("_", " ")
    page = f"https://en.wikipedia.org/wiki/{quote(title.replace(' ', '_'))}"
    if title in stand_in.missing_artists:
        body = {"type": "https://mediawiki.org/wiki/HyperSwitch/errors/not_found", "title": "Not found.",
                "method": "get", "detail": "Page or revision not found.", "uri": request.path}
        return web.Response(status=404, text=json.dumps(body), content_type="application/problem+json")
    if title in stand_in.disambiguation:
        return web.json_response({"type": "disambiguation", "title": title, "displaytitle": title,
                                  "description": "Topics referred to by the same term",
                                  "extract": f"{title} may refer to:", "content_urls": {"desktop": {"page": page}}})
    thumb = f"{stand_in.base_url}/images/wikipedia/{stable_id('wiki', title)}.jpg"
    return web.json_response({
        "type": "standard", "title": title, "displaytitle": title, "pageid": int(stable_id("page", title, digits=8)),
        "description": "Musical artist", "extract": f"{title} is a musical artist whose records are in this collection.",
        "thumbnail": {"source": thumb, "width": 320, "height": 320},
        "originalimage": {"source": thumb, "width": 320, "height": 320},
        "content_urls": {"desktop": {"page": page}},
    })


# --- images -----------------------------------------------------------------------------


def jpeg(path, size=24):
    """A small JPEG whose colour is derived from ``path``."""
    from PIL import Image

    digest = hashlib.sha1(path.encode()).digest()
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), tuple(digest[:3])).save(buffer, "JPEG")
    return buffer.getvalue()


@_logged("images")
async def image(request):
    return web.Response(body=jpeg(request.match_info["path"]), content_type="image/jpeg")


# --- control ----------------------------------------------------------------------------


def _control(action):
    return control(STAND_IN, action)


def build_app(stand_in):
    app = web.Application()
    app[STAND_IN] = stand_in
    app.router.add_routes([
        web.get("/apple/v1/catalog/{storefront}/search", apple_search),
        web.post("/spotify-accounts/api/token", spotify_token),
        web.get("/spotify/v1/search", spotify_search),
        web.get("/wikipedia/api/rest_v1/page/summary/{title}", wikipedia_summary),
        web.get("/images/{path:.+}", image),
        web.get("/_sandbox/log", _control(lambda s, request, _: {
            "requests": s.log.since(int(request.query.get("since", 0))), "next": s.log.last_seq})),
        web.get("/_sandbox/apple-key", _control(lambda s, request, _: {
            "pem": s.apple_key_pem(), "key_id": s.apple_key_id, "team_id": s.apple_team_id})),
        web.post("/_sandbox/albums", _control(lambda s, request, data: s.add_albums(data["albums"]))),
        web.post("/_sandbox/artists", _control(lambda s, request, data: s.set_artists(**data))),
        web.post("/_sandbox/credentials", _control(lambda s, request, data: s.set_credentials(**data))),
        web.post("/_sandbox/reset", _control(lambda s, request, _: (s.log.clear(), {"reset": True})[1])),
    ])
    return app


def albums_from_database(url):
    """``[{artist, title, year}]`` of every album stored in the SQLite database at ``url``."""
    url = str(url)
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT artist, title, released_year FROM albums ORDER BY discogs_release_id")
        return [{"artist": artist, "title": title, "year": year or None} for artist, title, year in rows]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m discogs_harvest.sandbox.foreign",
                                     description="Stand-ins for Apple Music, Spotify, Wikipedia and image hosts.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default) picks a free port")
    parser.add_argument("--from-database", default=None, metavar="URL",
                        help="know every album stored in this SQLite database (sqlite:///path or a path)")
    parser.add_argument("--apple-key-file", default=None, metavar="KEY.p8",
                        help="the MusicKit private key tokens must be signed with (default: a generated one, "
                             "served at /_sandbox/apple-key)")
    parser.add_argument("--apple-key-id", default=DEFAULT_APPLE_KEY_ID)
    parser.add_argument("--apple-team-id", default=DEFAULT_APPLE_TEAM_ID)
    parser.add_argument("--spotify-client", action="append", default=[], metavar="ID:SECRET",
                        help=f"a Spotify client accepted (default {':'.join(DEFAULT_SPOTIFY_CLIENT)}); repeatable")
    parser.add_argument("--log", default=None, metavar="FILE.jsonl", help="also append the request log to FILE")
    return parser.parse_args(argv)


def make_stand_in(args):
    key = None
    if args.apple_key_file:
        with open(args.apple_key_file, "rb") as handle:
            key = serialization.load_pem_private_key(handle.read(), password=None)
    clients = dict(pair.split(":", 1) for pair in args.spotify_client) or dict([DEFAULT_SPOTIFY_CLIENT])
    stand_in = ForeignStandIn(apple_key=key, apple_key_id=args.apple_key_id, apple_team_id=args.apple_team_id,
                              spotify_clients=clients, log_path=args.log)
    if args.from_database:
        stand_in.add_albums(albums_from_database(args.from_database))
    return stand_in


async def serve(args):
    stand_in = make_stand_in(args)
    async with serving(build_app(stand_in), stand_in, args.host, args.port) as stop:
        print(stand_in.base_url, flush=True)
        await stop.wait()


class ForeignStandInProcess(SandboxProcess):
    """The foreign services' stand-in (:mod:`discogs_harvest.sandbox.foreign`) in a child process."""

    module = "discogs_harvest.sandbox.foreign"

    def settings(self):
        """The base-URL settings that point every service at this stand-in."""
        return {"APPLE_MUSIC_API_URL": f"{self.url}/apple", "SPOTIFY_API_URL": f"{self.url}/spotify",
                "SPOTIFY_ACCOUNTS_URL": f"{self.url}/spotify-accounts", "WIKIPEDIA_API_URL": f"{self.url}/wikipedia",
                "DISCOGS_IMAGE_URL": f"{self.url}/images"}

    def albums(self, albums):
        return self._call("POST", "/_sandbox/albums", {"albums": albums})

    def artists(self, missing=(), disambiguation=()):
        return self._call("POST", "/_sandbox/artists", {"missing": sorted(missing),
                                                         "disambiguation": sorted(disambiguation)})

    def credentials(self, **kw):
        return self._call("POST", "/_sandbox/credentials", kw)

    def apple_key(self):
        return self._call("GET", "/_sandbox/apple-key")


def main(argv=None):
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
