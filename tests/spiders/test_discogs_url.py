"""``scrapy crawl discogs -a url=...``: every www.discogs.com URL kind a user copies maps to the
right spider and arguments (spiders/discogs.py :func:`route`); anything else is one line."""

import pytest

from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.spiders.discogs import SUPPORTED, resolve, route

ROUTES = [
    # sellers: profile and shop pages, with the shop's filters, percent-encoded names, no www
    ("https://www.discogs.com/seller/brotherlogic/profile", "seller_inventory", {"seller": "brotherlogic"}),
    ("https://www.discogs.com/seller/SecretSpot.Records/profile?style=Latin&genre=Jazz", "seller_inventory",
     {"seller": "SecretSpot.Records", "style": "Latin", "genre": "Jazz"}),
    ("https://discogs.com/seller/Some%20Shop/", "seller_inventory", {"seller": "Some Shop"}),
    ("https://www.discogs.com/user/brotherlogic", "seller_inventory", {"seller": "brotherlogic"}),
    ("https://www.discogs.com/sell/list?seller=brotherlogic&format=Vinyl", "seller_inventory",
     {"seller": "brotherlogic", "format": "Vinyl"}),
    # releases: new slug-after-id, old slug-first, locale prefix, no scheme
    ("https://www.discogs.com/release/249504-Rick-Astley-Never-Gonna-Give-You-Up", "release", {"ids": "249504"}),
    ("https://www.discogs.com/Rick-Astley-Never-Gonna-Give-You-Up/release/249504", "release", {"ids": "249504"}),
    ("https://www.discogs.com/de/release/249504-Rick-Astley", "release", {"ids": "249504"}),
    ("www.discogs.com/release/249504/", "release", {"ids": "249504"}),
    # masters with the versions page's filters, labels, artists
    ("https://www.discogs.com/master/1521183-DJ-Healer-Nothing-2-Loose", "master", {"id": "1521183"}),
    ("https://www.discogs.com/master/1521183?format=Vinyl&country=Germany&year=2018", "master",
     {"id": "1521183", "format": "Vinyl", "country": "Germany", "released": "2018"}),
    ("https://www.discogs.com/DJ-Healer-Nothing-2-Loose/master/1521183", "master", {"id": "1521183"}),
    ("https://www.discogs.com/label/1611434-Forgotten-World", "label", {"id": "1611434"}),
    ("http://discogs.com/label/1-Planet-E/", "label", {"id": "1"}),
    ("https://www.discogs.com/artist/6418741-DJ-Healer", "artist", {"id": "6418741"}),
    # collections and wantlists
    ("https://www.discogs.com/user/brotherlogic/collection", "collection", {"user": "brotherlogic"}),
    ("https://www.discogs.com/user/Some%C3%BCser/collection?folder_id=242017", "collection",
     {"user": "Someüser", "folder": "242017"}),
    ("https://www.discogs.com/wantlist?user=brotherlogic", "wantlist", {"user": "brotherlogic"}),
    ("https://www.discogs.com/user/brotherlogic/wantlist/", "wantlist", {"user": "brotherlogic"}),
    # marketplace items and search pages
    ("https://www.discogs.com/sell/item/2218783261", "listing", {"ids": "2218783261"}),
    ("https://www.discogs.com/fr/sell/item/647415422/", "listing", {"ids": "647415422"}),
    ("https://www.discogs.com/search/?q=dj+healer&type=all", "search", {"q": "dj healer"}),
    ("https://www.discogs.com/search?q=nirvana&type=release&genre_exact=Rock&format_exact=Vinyl&country_exact=UK",
     "search", {"q": "nirvana", "type": "release", "genre": "Rock", "format": "Vinyl", "country": "UK"}),
]


@pytest.mark.parametrize("url, spider, arguments", ROUTES, ids=[url for url, _, _ in ROUTES])
def test_each_url_kind_runs_its_spider_with_its_filters(url, spider, arguments):
    assert route(url) == (spider, arguments)


UNSUPPORTED = [
    "https://www.discogs.com/forum/thread/778418",
    "https://www.discogs.com/label/1/Planet-E/extra",
    "https://example.com/release/249504",
    "ftp://www.discogs.com/release/249504",
    "https://www.discogs.com/",
    "not a url",
]


@pytest.mark.parametrize("url", UNSUPPORTED)
def test_anything_else_is_one_line_listing_the_supported_kinds(url):
    with pytest.raises(HarvestConfigError) as error:
        route(url)
    message = str(error.value)
    assert "\n" not in message and SUPPORTED in message


def test_search_page_without_a_query_says_so():
    with pytest.raises(HarvestConfigError, match="no query"):
        route("https://www.discogs.com/search/?type=all")


def test_resolve_keeps_other_arguments_and_takes_seller_as_today():
    assert resolve("discogs", {"url": "https://www.discogs.com/label/1", "enrich": "0"}) == \
        ("label", {"id": "1", "enrich": "0"})
    assert resolve("discogs", {"seller": "brotherlogic"}) == ("seller_inventory", {"seller": "brotherlogic"})
    assert resolve("release", {"ids": "1"}) == ("release", {"ids": "1"})
    with pytest.raises(HarvestConfigError, match="not both"):
        resolve("discogs", {"url": "https://www.discogs.com/label/1", "seller": "x"})
    with pytest.raises(HarvestConfigError, match="url is required"):
        resolve("discogs", {})
