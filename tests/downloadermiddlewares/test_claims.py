"""ReleaseClaimMiddleware built as Scrapy builds it, on the suite's database (SQLite or PostgreSQL)."""

import asyncio

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from discogs_harvest.downloadermiddlewares.claims import (
    DROPPED,
    STORED_ELSEWHERE,
    TAKEN,
    WAITS,
    ReleaseClaimMiddleware,
    ReleaseStoredElsewhere,
)
from discogs_harvest.models import Album, ReleaseClaim, utcnow


def node(database_url, **settings):
    crawler = get_crawler(settings_dict={"DATABASE_URL": database_url, "RELEASE_CLAIMS_ENABLED": True,
                                         "RELEASE_CLAIM_TTL": 600, "RELEASE_CLAIM_POLL": 0.01, **settings})
    return build_from_crawler(ReleaseClaimMiddleware, crawler)


def release_request(release_id=7, priority=0):
    return Request(f"http://127.0.0.1/releases/{release_id}", priority=priority, meta={"release_id": release_id})


def test_off_for_sqlite_by_default_on_when_asked(database_url):
    if database_url.startswith("sqlite"):
        with pytest.raises(NotConfigured):
            node(database_url, RELEASE_CLAIMS_ENABLED=None)
    assert isinstance(node(database_url), ReleaseClaimMiddleware)


def test_one_node_fetches_the_other_waits_then_uses_the_stored_release(database_url):
    first, second = node(database_url), node(database_url)
    request = release_request()
    assert asyncio.run(first.process_request(request)) is None
    assert first.stats.get_value(TAKEN) == 1

    again = asyncio.run(second.process_request(release_request(priority=0)))
    assert isinstance(again, Request) and again.priority == -1 and again.dont_filter
    assert second.stats.get_value(WAITS) == 1

    Album.insert(discogs_release_id="7", artist="A", title="T", fetched_at=utcnow()).execute()
    with pytest.raises(ReleaseStoredElsewhere):
        asyncio.run(second.process_request(again))
    assert second.stats.get_value(STORED_ELSEWHERE) == 1


def test_a_failed_fetch_drops_the_claim_and_a_success_keeps_it(database_url):
    first, second = node(database_url), node(database_url)
    ok, failed = release_request(7), release_request(8)
    for request in (ok, failed):
        asyncio.run(first.process_request(request))
    first.process_response(ok, Response(ok.url, status=200))
    first.process_response(failed, Response(failed.url, status=500))
    assert [claim.release_id for claim in ReleaseClaim.select()] == [7]
    assert first.stats.get_value(DROPPED) == 1
    assert asyncio.run(second.process_request(release_request(8))) is None  # free for another node


def test_other_requests_pass_untouched(database_url):
    request = Request("http://127.0.0.1/users/x/inventory")
    assert asyncio.run(node(database_url).process_request(request)) is None
    assert ReleaseClaim.select().count() == 0
