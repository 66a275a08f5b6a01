"""Apple Music: the developer token, the album search, and reading its answer.

The developer token is a JWT signed ES256 with the MusicKit private key (a ``.p8`` file, PEM
PKCS#8): header ``alg`` ES256 and ``kid`` the key id, claims ``iss`` (the team id), ``iat``
and ``exp``, at most 15777000 s (six months) later (Apple's "Generating Developer Tokens",
developer.apple.com/documentation/applemusicapi). Signing is PyJWT's (``jwt.encode(...,
algorithm="ES256", headers={"kid": ...})``, pyjwt.readthedocs.io "Digital Signature
Algorithms"), which needs ``cryptography``.

Search: ``GET {APPLE_MUSIC_API_URL}/v1/catalog/{storefront}/search?term=<artist title>&
types=albums&limit=N``. An album's artwork ``url`` is a template with ``{w}`` and ``{h}``;
:func:`artwork_url` fills it at 2000x2000 (issue 18).
"""

import time
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from discogs_harvest.enrich.answers import Candidate, ShapeError, need, optional, year_of
from discogs_harvest.exceptions import HarvestConfigError

TOKEN_LIFETIME = 12 * 3600  # seconds; well under Apple's maximum, renewed by each run
ARTWORK_SIZE = 2000
SEARCH_LIMIT = 5


def load_key(path):
    """The EC P-256 private key in the ``.p8`` file at ``path``, or HarvestConfigError (one line)."""
    try:
        with open(path, "rb") as handle:
            key = serialization.load_pem_private_key(handle.read(), password=None)
    except OSError as exc:
        raise HarvestConfigError(f"APPLE_MUSIC_KEY_FILE {path!r} cannot be read: {exc.strerror}") from None
    except (ValueError, TypeError):
        raise HarvestConfigError(f"APPLE_MUSIC_KEY_FILE {path!r} is not a PEM private key (a MusicKit .p8 file)") \
            from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise HarvestConfigError(f"APPLE_MUSIC_KEY_FILE {path!r} is not an EC P-256 key: ES256 needs one")
    return key


def developer_token(key, key_id, team_id, now=None, lifetime=TOKEN_LIFETIME):
    """The signed developer token (a str)."""
    issued = int(time.time() if now is None else now)
    return jwt.encode({"iss": team_id, "iat": issued, "exp": issued + lifetime}, key, algorithm="ES256",
                      headers={"kid": key_id})


def search_url(base, storefront, artist, title, limit=SEARCH_LIMIT):
    query = urlencode({"term": f"{artist} {title}", "types": "albums", "limit": limit})
    return f"{base.rstrip('/')}/v1/catalog/{storefront}/search?{query}"


def artwork_url(template, size=ARTWORK_SIZE):
    return template.replace("{w}", str(size)).replace("{h}", str(size)) if template else None


def candidates(data):
    """The albums of a search answer as Candidates (an empty list when none was found)."""
    results = need(data, "results", dict, "answer")
    if "albums" not in results:
        return []
    found = []
    for n, album in enumerate(need(need(results, "albums", dict, "results"), "data", list, "results.albums")):
        where = f"results.albums.data[{n}]"
        attributes = need(album, "attributes", dict, where)
        notes = optional(attributes, "editorialNotes", dict) or {}
        found.append(Candidate(
            external_id=need(album, "id", str, where),
            artist=need(attributes, "artistName", str, where + ".attributes"),
            title=need(attributes, "name", str, where + ".attributes"),
            url=optional(attributes, "url", str),
            artwork_url=artwork_url(optional(optional(attributes, "artwork", dict) or {}, "url", str)),
            notes=optional(notes, "standard", str) or optional(notes, "short", str),
            year=year_of(optional(attributes, "releaseDate", str)),
        ))
    return found


__all__ = ["ShapeError", "load_key", "developer_token", "search_url", "candidates", "artwork_url"]
