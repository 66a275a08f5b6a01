"""Client-side inventory filters and the seller argument, as pure functions.

The inventory API has no genre/style filter (API_FACTS.md §4): the website's
``?style=Latin`` is a web-UI feature. So ``seller_inventory`` decides each listing
itself, from the release's genres and styles (stored or fetched) and its formats.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from discogs_harvest.exceptions import HarvestConfigError

SELLER_URL_HOSTS = {"discogs.com", "www.discogs.com"}
# /seller/<name>, /seller/<name>/profile, /user/<name>; an optional locale prefix (/de/seller/...).
SELLER_URL_PATH = re.compile(r"^(?:/[a-z]{2})?/(?:seller|user)/(?P<name>[^/]+)(?:/profile)?/?$")
FILTER_PARAMS = ("style", "genre", "format")


def split_values(value):
    """``"Latin, Jazz"`` -> ``frozenset({"latin", "jazz"})`` (case-insensitive, blanks dropped)."""
    if not value:
        return frozenset()
    if isinstance(value, (list, tuple)):
        value = ",".join(value)
    return frozenset(v.strip().casefold() for v in value.split(",") if v.strip())


def format_tokens(format_string):
    """Tokens of a display format: ``'2xLP, Comp + 7", RE'`` -> ``{"lp", "comp", '7"', "re"}``."""
    tokens = set()
    for part in re.split(r"[,+]", format_string or ""):
        token = re.sub(r"^\d+\s*[x×]\s*", "", part.strip())
        if token:
            tokens.add(token.casefold())
    return tokens


@dataclass(frozen=True)
class InventoryFilter:
    """Which listings to keep: any of ``styles`` AND any of ``genres`` AND any of ``formats``."""

    styles: frozenset = frozenset()
    genres: frozenset = frozenset()
    formats: frozenset = frozenset()

    @property
    def active(self):
        return bool(self.styles or self.genres or self.formats)

    def matches(self, genres, styles, formats=()):
        """``formats`` are display format strings (the listing's and the release's)."""
        if self.styles and not self.styles & {s.casefold() for s in styles}:
            return False
        if self.genres and not self.genres & {g.casefold() for g in genres}:
            return False
        if self.formats:
            tokens = set().union(*(format_tokens(f) for f in formats)) if formats else set()
            if not self.formats & tokens:
                return False
        return True

    def describe(self):
        parts = [f"{name}={','.join(sorted(values))}" for name, values in
                 (("style", self.styles), ("genre", self.genres), ("format", self.formats)) if values]
        return " ".join(parts) or "none"


def parse_seller(value):
    """A seller name or the website URL a user copies -> ``(name, {"style": ..., ...})``.

    Raises :class:`HarvestConfigError` with a one-line reason for anything else.
    """
    value = (value or "").strip()
    if not value:
        raise HarvestConfigError("seller is required: -a seller=NAME or -a seller=https://www.discogs.com/seller/NAME/profile")
    if "://" not in value and not value.startswith(("www.discogs.com/", "discogs.com/")):
        if re.search(r"[\s/?#]", value):
            raise HarvestConfigError(f"seller {value!r} is not a Discogs username or seller URL")
        return value, {}
    parts = urlsplit(value if "://" in value else f"https://{value}")
    match = SELLER_URL_PATH.match(parts.path)
    if parts.scheme not in ("http", "https") or parts.hostname not in SELLER_URL_HOSTS or not match:
        raise HarvestConfigError(
            f"seller URL {value!r} is not a Discogs seller page like https://www.discogs.com/seller/NAME/profile"
        )
    query = parse_qs(parts.query)
    filters = {k: ",".join(query[k]) for k in FILTER_PARAMS if k in query}
    return unquote(match.group("name")), filters
