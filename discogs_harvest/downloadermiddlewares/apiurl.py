"""Which requests go to the Discogs API (``DISCOGS_API_URL``): the only ones our
downloader middlewares authenticate, pace and retry."""

from urllib.parse import urlsplit


def api_prefix(api_url):
    """``DISCOGS_API_URL`` normalised for :func:`is_api_url` (no trailing slash)."""
    return (api_url or "").strip().rstrip("/")


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
    # Same origin, compared case-insensitively on the host.
    a, b = urlsplit(url), urlsplit(prefix)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)


def is_api_request(request, prefix):
    return is_api_url(request.url, prefix)
