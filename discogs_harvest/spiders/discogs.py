"""``scrapy crawl discogs -a url=<any www.discogs.com URL>`` (or ``-a seller=NAME|URL``)

Runs the spider the URL names, with the URL's filters as its arguments (:func:`route`, a pure
function, table-tested): a seller's profile or shop page (``style``/``genre``/``format``
filters) -> ``seller_inventory``; a release -> ``release``; a master (``format``, ``country``,
``year``/``released``, ``label`` filters) -> ``master``; a label -> ``label``; an artist ->
``artist``; a user's collection (``folder``/``folder_id``) -> ``collection``; a wantlist ->
``wantlist``; a marketplace item (``/sell/item/ID``) -> ``listing``; a search page (its query,
type and ``*_exact`` filters) -> ``search``. Old-style slug-first paths
(``/Artist-Title/release/ID``), a locale prefix (``/de/...``), no ``www``, trailing slashes and
percent-encoded names are all taken. Anything else is one line listing the supported kinds
(exit 2).

The ``crawl`` command resolves ``discogs`` to the target spider before the crawl starts
(:func:`resolve`), so the target's own settings (its feed columns) apply; run any other way,
:meth:`DiscogsUrlSpider.from_crawler` creates the target spider itself.
"""

import os
import re
from urllib.parse import parse_qs, unquote, urlsplit

from scrapy.spiderloader import get_spider_loader

from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.spiders.base import PARSE_ENV, DiscogsSpider

HOSTS = {"discogs.com", "www.discogs.com", "m.discogs.com"}
SUPPORTED = ("seller profile or shop page (/seller/NAME[/profile], /user/NAME), release (/release/ID), "
             "master (/master/ID), label (/label/ID), artist (/artist/ID), collection (/user/NAME/collection), "
             "wantlist (/wantlist?user=NAME, /user/NAME/wantlist), marketplace item (/sell/item/ID), "
             "search page (/search?q=...)")
LOCALE = re.compile(r"^/[a-z]{2}(?:-[a-z]{2})?(?=/)", re.IGNORECASE)
ENTITY = re.compile(r"^(?:/[^/]+)?/(release|master|label|artist)s?/(\d+)(?:-[^/]*)?/?$")
SELLER = re.compile(r"^/(?:seller|user)/(?P<name>[^/]+)(?:/profile)?/?$")
COLLECTION = re.compile(r"^/user/(?P<name>[^/]+)/collection/?$")
WANTLIST = re.compile(r"^/user/(?P<name>[^/]+)/wantlist/?$")
LISTING = re.compile(r"^/sell/item/(\d+)/?$")
# Search page parameters (the website's) -> the API's (Discogs docs, Database: Search).
SEARCH_PARAMS = {"q": "q", "type": "type", "artist": "artist", "title": "release_title",
                 "release_title": "release_title", "label": "label", "genre_exact": "genre", "genre": "genre",
                 "style_exact": "style", "style": "style", "country_exact": "country", "country": "country",
                 "year": "year", "decade": None, "format_exact": "format", "format": "format", "catno": "catno",
                 "barcode": "barcode"}
MASTER_FILTERS = {"format": "format", "country": "country", "year": "released", "released": "released",
                  "label": "label"}


def _first(query, name):
    values = query.get(name)
    return values[0].strip() if values and values[0].strip() else None


def unsupported(url):
    return HarvestConfigError(f"unsupported URL {url!r}: give a www.discogs.com URL of a {SUPPORTED}")


def route(url):
    """``(spider name, {argument: value})`` for a www.discogs.com URL; HarvestConfigError otherwise."""
    text = (url or "").strip()
    if not text:
        raise HarvestConfigError(f"url is required: -a url=https://www.discogs.com/... (a {SUPPORTED})")
    parts = urlsplit(text if "://" in text else f"https://{text}")
    if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() not in HOSTS:
        raise unsupported(text)
    path = LOCALE.sub("", parts.path) or "/"
    query = parse_qs(parts.query)
    match = ENTITY.match(path)
    if match:
        kind, entity_id = match.groups()
        if kind == "release":
            return "release", {"ids": entity_id}
        arguments = {"id": entity_id}
        if kind == "master":
            for name, argument in MASTER_FILTERS.items():
                if _first(query, name):
                    arguments[argument] = _first(query, name)
        return kind, arguments
    match = LISTING.match(path)
    if match:
        return "listing", {"ids": match.group(1)}
    match = COLLECTION.match(path)
    if match:
        arguments = {"user": unquote(match.group("name"))}
        folder = _first(query, "folder_id") or _first(query, "folder")
        if folder:
            arguments["folder"] = folder
        return "collection", arguments
    match = WANTLIST.match(path)
    if match:
        return "wantlist", {"user": unquote(match.group("name"))}
    if path.rstrip("/") in ("/wantlist", "/mywantlist") and _first(query, "user"):
        return "wantlist", {"user": _first(query, "user")}
    if path.rstrip("/") == "/sell/list" and _first(query, "seller"):
        arguments = {"seller": _first(query, "seller")}
        arguments.update({k: _first(query, k) for k in ("style", "genre", "format") if _first(query, k)})
        return "seller_inventory", arguments
    match = SELLER.match(path)
    if match:
        arguments = {"seller": unquote(match.group("name"))}
        arguments.update({k: ",".join(query[k]) for k in ("style", "genre", "format") if k in query})
        return "seller_inventory", arguments
    if path.rstrip("/") in ("/search", "/database/search"):
        arguments = {}
        for name, argument in SEARCH_PARAMS.items():
            value = _first(query, name)
            if argument and value and not (name == "type" and value == "all"):
                arguments.setdefault(argument, value)
        if not arguments:
            raise HarvestConfigError(f"search URL {text!r} has no query (?q=...)")
        return "search", arguments
    raise unsupported(text)


def resolve(name, arguments):
    """``(spider, arguments)`` to run for ``scrapy crawl name -a ...``: ``discogs`` becomes the
    spider its URL (or seller) names, with the other ``-a`` arguments kept; any other name as is."""
    if name != DiscogsUrlSpider.name:
        return name, arguments
    arguments = dict(arguments)
    url, seller = arguments.pop("url", None), arguments.pop("seller", None)
    if url and seller:
        raise HarvestConfigError("give either -a url=... or -a seller=..., not both")
    if seller:
        return "seller_inventory", {"seller": seller, **arguments}
    target, routed = route(url)
    return target, {**arguments, **routed}


class DiscogsUrlSpider(DiscogsSpider):
    name = "discogs"
    example_arguments = {"url": "https://www.discogs.com/release/249504"}

    @classmethod
    def parse_arguments(cls, **kwargs):
        target, arguments = resolve(cls.name, kwargs)
        return {"target": target, "arguments": arguments}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        if os.environ.get("SCRAPY_CHECK") or os.environ.get(PARSE_ENV):
            return super().from_crawler(crawler, *args, **kwargs)  # the base callbacks' contracts
        target, arguments = resolve(cls.name, kwargs)
        spidercls = get_spider_loader(crawler.settings).load(target)
        return spidercls.from_crawler(crawler, *args, **arguments)
