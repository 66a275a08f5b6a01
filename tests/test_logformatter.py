"""HarvestLogFormatter: Scrapy's per-response and per-item DEBUG lines only when a handler takes them."""

import contextlib
import logging

import pytest
from scrapy import Request
from scrapy.http import TextResponse
from scrapy.logformatter import LogFormatter

from discogs_harvest.logformatter import ENGINE_LOGGER, SCRAPER_LOGGER, HarvestLogFormatter, emitted


@pytest.mark.parametrize(("handler_level", "logger_level", "expected"), [
    (logging.WARNING, logging.NOTSET, False),  # a crawl at LOG_LEVEL=WARNING: no DEBUG line goes anywhere
    (logging.DEBUG, logging.NOTSET, True),  # LOG_LEVEL=DEBUG
    (logging.NOTSET, logging.NOTSET, True),  # a handler taking everything (caplog's)
    (logging.DEBUG, logging.INFO, False),  # the logger itself above DEBUG
])
def test_a_record_is_emitted_only_when_a_handler_takes_it(handler_level, logger_level, expected):
    parent = logging.getLogger("test_logformatter_emitted")
    log = logging.getLogger("test_logformatter_emitted.child")
    handler = logging.NullHandler()
    handler.setLevel(handler_level)
    parent.addHandler(handler)
    parent.propagate = False
    parent.setLevel(logging.DEBUG)  # as Scrapy leaves the root logger: every level passes it
    log.setLevel(logger_level)
    try:
        assert emitted(log, logging.DEBUG) is expected
        assert emitted(log, logging.ERROR) is (logger_level <= logging.ERROR)
    finally:
        parent.removeHandler(handler)
        parent.setLevel(logging.NOTSET)
        log.setLevel(logging.NOTSET)


@contextlib.contextmanager
def only(level):
    """Scrapy's two loggers with one handler of ``level`` and nothing else (the test session's
    capturing handlers, attached to them for the test's call, set aside)."""
    handler = logging.NullHandler()
    handler.setLevel(level)
    saved = []
    for log in (ENGINE_LOGGER, SCRAPER_LOGGER):
        saved.append((log, log.handlers, log.propagate, log.level))
        log.handlers, log.propagate = [handler], False
        log.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for log, handlers, propagate, level in saved:
            log.handlers, log.propagate, log.level = handlers, propagate, level


@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO, logging.WARNING])
def test_crawled_and_scraped_are_scrapy_own_lines_or_none(level):
    request = Request("http://127.0.0.1/releases/1")
    response = TextResponse(request.url, body=b"{}", request=request)
    item = {"release_id": 1}
    ours, scrapy = HarvestLogFormatter(), LogFormatter()
    error = Exception("x")
    with only(level):
        crawled, scraped = ours.crawled(request, response, None), ours.scraped(item, response, None)
        item_error = ours.item_error(item, error, response, None)
    if level == logging.DEBUG:
        assert crawled == scrapy.crawled(request, response, None)
        assert scraped == scrapy.scraped(item, response, None)
    else:
        assert crawled is None and scraped is None
    assert item_error == scrapy.item_error(item, error, response, None)


@pytest.mark.parametrize(("drop_level", "logged"), [("DEBUG", False), ("INFO", True), ("WARNING", True)])
def test_a_drop_is_scrapys_own_line_when_its_level_is_taken(drop_level, logged):
    from scrapy.exceptions import DropItem

    request = Request("http://127.0.0.1/releases/1")
    response = TextResponse(request.url, body=b"{}", request=request)
    item, drop = {"release_id": 1}, DropItem("duplicate", log_level=drop_level)
    with only(logging.INFO):
        line = HarvestLogFormatter().dropped(item, drop, response, None)
    assert line == (LogFormatter().dropped(item, drop, response, None) if logged else None)
