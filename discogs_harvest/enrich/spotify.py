"""Spotify: the client-credentials token, the album search, and reading their answers.

Token: ``POST {SPOTIFY_ACCOUNTS_URL}/api/token`` with ``Authorization: Basic
base64(client_id:client_secret)`` and the form ``grant_type=client_credentials``; the answer
is ``{"access_token", "token_type": "Bearer", "expires_in"}`` (Spotify for Developers, "Client
Credentials Flow"). A wrong client is 400 ``{"error": "invalid_client"}``.

Search: ``GET {SPOTIFY_API_URL}/v1/search?q=album:<title> artist:<artist>&type=album&limit=N``
with ``Authorization: Bearer <token>`` (Web API reference, "Search for Item": field filters
``album:`` and ``artist:``).
"""

import base64
from urllib.parse import urlencode

from discogs_harvest.enrich.answers import Candidate, ShapeError, need, optional, year_of

SEARCH_LIMIT = 5


def token_request_parts(base, client_id, client_secret):
    """``(url, headers, body)`` of the token request."""
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    return (f"{base.rstrip('/')}/api/token",
            {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
            urlencode({"grant_type": "client_credentials"}))


def access_token(data):
    """The access token of a token answer, or ShapeError."""
    token = need(data, "access_token", str, "token answer")
    if not token or need(data, "token_type", str, "token answer").lower() != "bearer":
        raise ShapeError("token answer is not a bearer token")
    return token


def error_text(data):
    """The error of a token or API error answer, for the one line a refusal prints."""
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error)
        if error:
            return f"{error}: {data.get('error_description', '')}".rstrip(": ")
    return "no error message"


def search_url(base, artist, title, limit=SEARCH_LIMIT):
    query = urlencode({"q": f"album:{title} artist:{artist}", "type": "album", "limit": limit})
    return f"{base.rstrip('/')}/v1/search?{query}"


def candidates(data):
    items = need(need(data, "albums", dict, "answer"), "items", list, "albums")
    found = []
    for n, item in enumerate(items):
        where = f"albums.items[{n}]"
        artists = need(item, "artists", list, where)
        names = [a.get("name") for a in artists if isinstance(a, dict) and isinstance(a.get("name"), str)]
        images = optional(item, "images", list) or []
        largest = max((i for i in images if isinstance(i, dict) and isinstance(i.get("url"), str)),
                      key=lambda i: i.get("width") or 0, default=None)
        found.append(Candidate(
            external_id=need(item, "id", str, where),
            artist=", ".join(names) or None,
            title=need(item, "name", str, where),
            url=optional(optional(item, "external_urls", dict) or {}, "spotify", str),
            artwork_url=largest["url"] if largest else None,
            year=year_of(optional(item, "release_date", str)),
        ))
    return found
