"""HarvestLogFormatter: Scrapy's per-item lines when a handler takes them, nothing built otherwise."""

import logging

import pytest
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.http import Request, TextResponse
from scrapy.logformatter import LogFormatter
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from discogs_harvest import settings
from discogs_harvest.items import ListingItem
from discogs_harvest.logformatter import SCRAPER_LOGGER, HarvestLogFormatter, handled

ITEM = ListingItem(listing_id=1)
RESPONSE = TextResponse("http://127.0.0.1/x", body=b"{}", request=Request("http://127.0.0.1/x"))


@pytest.fixture
def formatters():
    crawler = get_crawler(Spider, settings_dict={"LOG_FORMATTER": settings.LOG_FORMATTER})
    crawler.spider = Spider("s")
    crawler.spider.crawler = crawler
    return build_from_crawler(HarvestLogFormatter, crawler), build_from_crawler(LogFormatter, crawler), crawler.spider


@pytest.fixture
def scraper_logs_at(monkeypatch):
    """The scraper's records go to one handler of the given level only (not to pytest's), the
    logger itself letting everything through, as under Scrapy (its root logger is at NOTSET)."""
    def at(level):
        handler = logging.NullHandler(level)
        monkeypatch.setattr(SCRAPER_LOGGER, "level", 1)
        monkeypatch.setattr(SCRAPER_LOGGER, "propagate", False)
        monkeypatch.setattr(SCRAPER_LOGGER, "handlers", [handler])
        SCRAPER_LOGGER.manager._clear_cache()
    yield at
    SCRAPER_LOGGER.manager._clear_cache()


def test_the_project_names_it():
    assert settings.LOG_FORMATTER == "discogs_harvest.logformatter.HarvestLogFormatter"


def test_no_record_is_built_for_a_scraped_item_no_handler_takes(formatters, scraper_logs_at):
    harvest, _, spider = formatters
    scraper_logs_at(logging.INFO)
    assert harvest.scraped(ITEM, RESPONSE, spider) is None


@pytest.mark.parametrize("level", [logging.DEBUG, logging.NOTSET])
def test_a_handler_that_takes_debug_gets_scrapys_own_line(formatters, scraper_logs_at, level):
    harvest, scrapy_formatter, spider = formatters
    scraper_logs_at(level)
    assert harvest.scraped(ITEM, RESPONSE, spider) == scrapy_formatter.scraped(ITEM, RESPONSE, spider)


@pytest.mark.parametrize(("log_level", "logged"), [("DEBUG", False), ("INFO", True), ("WARNING", True)])
def test_a_drop_is_logged_when_its_level_is_taken(formatters, scraper_logs_at, log_level, logged):
    harvest, scrapy_formatter, spider = formatters
    scraper_logs_at(logging.INFO)
    drop = DropItem("duplicate", log_level=log_level)
    expected = scrapy_formatter.dropped(ITEM, drop, RESPONSE, spider) if logged else None
    assert harvest.dropped(ITEM, drop, RESPONSE, spider) == expected


def test_caplog_at_debug_sees_every_scraped_line(formatters, caplog):
    harvest, scrapy_formatter, spider = formatters
    with caplog.at_level(logging.DEBUG, logger=SCRAPER_LOGGER.name):
        assert harvest.scraped(ITEM, RESPONSE, spider) == scrapy_formatter.scraped(ITEM, RESPONSE, spider)


def test_handled_follows_propagation_and_the_last_resort(monkeypatch):
    parent, child = logging.getLogger("i12p_logformatter"), logging.getLogger("i12p_logformatter.child")
    monkeypatch.setattr(parent, "propagate", False)
    monkeypatch.setattr(parent, "handlers", [])
    monkeypatch.setattr(child, "handlers", [])
    parent.manager._clear_cache()
    # No handler on the way: only what logging's last resort prints (WARNING and up).
    assert (handled(child, logging.INFO), handled(child, logging.WARNING)) == (False, True)
    monkeypatch.setattr(parent, "handlers", [logging.NullHandler(logging.ERROR)])
    assert (handled(child, logging.WARNING), handled(child, logging.ERROR)) == (False, True)
    monkeypatch.setattr(child, "level", logging.CRITICAL)  # a logger's own level comes first
    parent.manager._clear_cache()
    assert handled(child, logging.ERROR) is False
    parent.manager._clear_cache()
