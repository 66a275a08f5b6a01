"""Which requests go to the Discogs API (``DISCOGS_API_URL``): the only ones our
downloader middlewares authenticate, pace and retry."""

from functools import lru_cache
from urllib.parse import urlsplit

from discogs_harvest.exceptions import HarvestConfigError


def api_prefix(api_url):
    """``DISCOGS_API_URL`` normalised for :func:`is_api_url` (no trailing slash)."""
    return (api_url or "").strip().rstrip("/")


# Each request is asked about by every middleware on its way out and its answer's way back
# (nine times with the foreign services' budgets): the few in flight are kept.
@lru_cache(maxsize=256)
def is_api_url(url, prefix):
    """True when ``url`` is ``prefix`` or below it (same scheme, host and port)."""
    if not prefix:
        return False
    if url == prefix:
        return True
    if not url.startswith(prefix):
        return False
    rest = url[len(prefix):]
    if rest[:1] not in ("/", "?", "#"):
        return False  # https://api.discogs.com.evil.example/...
    origin = _origin(prefix)
    if origin[1]:
        # The prefix holds a whole host ("//host[:port]", then its end or a path), and "/", "?"
        # or "#" follows it in the URL: urlsplit finds the same scheme and network location in
        # both (Python's urllib.parse.urlsplit ends the netloc at the first of those three), so
        # splitting the URL as well, once per URL, tells nothing more (issue 12's profile).
        return True
    # A prefix without a host ("http:"): compare what the URL names, as urlsplit reads it.
    a = urlsplit(url)
    return (a.scheme, a.hostname, a.port) == origin


@lru_cache(maxsize=64)
def _origin(prefix):
    """Scheme, host and port of a prefix: the same few on every request, split once."""
    b = urlsplit(prefix)
    return b.scheme, b.hostname, b.port


def is_api_request(request, prefix):
    return is_api_url(request.url, prefix)


def check_service_url(settings, name, example):
    """HarvestConfigError unless setting ``name`` (a foreign service's base URL: YouTube oEmbed,
    Apple Music, Spotify, Wikipedia) is an http(s) URL outside ``DISCOGS_API_URL``: under it, our
    middlewares would send the Discogs token there and count its requests in the Discogs budget."""
    url = settings.get(name) or ""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts, host = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise HarvestConfigError(f"{name} {url!r} is not an http(s) URL like {example}")
    if is_api_url(api_prefix(url), api_prefix(settings.get("DISCOGS_API_URL"))):
        raise HarvestConfigError(f"{name} {url!r} lies under DISCOGS_API_URL: the Discogs token would be sent "
                                 "with it; give it its own host or port")
