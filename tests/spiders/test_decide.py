"""seller_inventory decides a release's listings together: each gets the release's genres and
styles, the filter keeps some, and harvest/listings/matched grows by the number kept."""

from scrapy.utils.test import get_crawler

from discogs_harvest import settings, stats
from discogs_harvest.items import ListingItem, ListingRowsItem
from discogs_harvest.spiders.seller_inventory import SellerInventorySpider


def spider(database_url, **arguments):
    values = {name: getattr(settings, name) for name in dir(settings) if name.isupper()}
    crawler = get_crawler(SellerInventorySpider, settings_dict={**values, "DATABASE_URL": database_url})
    return SellerInventorySpider.from_crawler(crawler, seller="someseller", **arguments)


def listings(*formats):
    return [ListingItem(listing_id=n, release_id=7, format=f) for n, f in enumerate(formats, 1)]


def test_a_release_s_listings_the_filter_keeps_are_counted_once_each(database_url):
    harvest = spider(database_url, format="LP")
    waiting = listings("LP, Album", "CD, Album", "LP")
    kept = harvest.decide(waiting, ["Jazz"], ["Bossa Nova"])
    assert [listing.listing_id for listing in kept] == [1, 3]
    assert all((listing.genres, listing.styles) == (["Jazz"], ["Bossa Nova"]) for listing in waiting)
    assert waiting[0].genres is not waiting[2].genres  # each listing its own lists
    assert harvest.crawler.stats.get_value(stats.LISTINGS_MATCHED) == 2
    assert harvest.decide(listings("CD"), ["Jazz"], []) == []
    assert harvest.crawler.stats.get_value(stats.LISTINGS_MATCHED) == 2


def test_a_page_s_listings_of_known_releases_go_out_at_once_and_are_counted(database_url):
    harvest = spider(database_url, style="Bossa Nova")
    harvest.known[7] = (["Jazz"], ["Bossa Nova"], "LP")
    harvest.known[8] = (["Jazz"], ["Cool Jazz"], "LP")
    page = listings("LP", "LP", "LP")
    page[1].release_id = 8
    out = list(harvest.handle_listings(page))
    assert [item.listing_id for item in out if isinstance(item, ListingItem)] == [1, 3]
    assert not [item for item in out if isinstance(item, ListingRowsItem)]  # none waits for its release
    assert harvest.crawler.stats.get_value(stats.LISTINGS_MATCHED) == 2
    assert harvest.crawler.stats.get_value(stats.LISTINGS_SEEN) == 3


def test_phase_two_takes_the_parked_listings_of_a_few_dozen_releases_per_statement(database_url, monkeypatch):
    from discogs_harvest import pending
    from discogs_harvest.spiders.seller_inventory import RELEASES_IN_FLIGHT

    taken = []
    take_many = pending.take_many

    def counted(url, seller, ids):
        taken.append(list(ids))
        return take_many(url, seller, ids)

    monkeypatch.setattr(pending, "take_many", counted)
    harvest = spider(database_url)
    releases = RELEASES_IN_FLIGHT + 8
    page = [ListingItem(listing_id=n, release_id=100 + n % releases) for n in range(1, 2 * releases + 1)]
    list(harvest.handle_listings(page))  # none known: every listing parked
    harvest.release_queue = iter(harvest.to_fetch)  # phase 2, as finish_inventory starts it

    requests = list(harvest.next_releases(RELEASES_IN_FLIGHT))
    ids = [request.meta["release_id"] for request in requests]
    assert ids == list(harvest.to_fetch)[:RELEASES_IN_FLIGHT] and taken == [ids]
    for _ in range(8):  # one request for each answer, the next batch taken when the first is used up
        ids += [request.meta["release_id"] for request in harvest.next_releases()]
    assert ids == list(harvest.to_fetch) and [len(batch) for batch in taken] == [RELEASES_IN_FLIGHT, 8]
    assert all(request.dont_filter for request in requests)  # each once by construction: no fingerprints
    assert list(harvest.next_releases()) == [] and len(taken) == 2

    # Answers in any order: each release gets its own listings, in the order parked, once.
    seen = {release_id: [listing.listing_id for listing in harvest.waiting_listings(release_id)]
            for release_id in reversed(ids)}
    assert seen == {100 + n % releases: [n, n + releases] for n in range(1, releases + 1)}
    assert harvest.taken_ahead == {}
    assert [harvest.waiting_listings(release_id) for release_id in ids[:3]] == [[], [], []]
