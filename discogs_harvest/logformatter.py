"""HarvestLogFormatter: Scrapy's per-response and per-item DEBUG lines only when something takes them.

Scrapy leaves the root logger's level unset and filters at its handler (``LOG_LEVEL``), so
``Logger.isEnabledFor(DEBUG)`` is true in every crawl: the "Crawled (200) ..." line of each
response and the "Scraped from ..." line of each item were built as log records (their
arguments gathered, referer and flags included) and then dropped by a handler at INFO or
WARNING (issue 12's profile of the release spider). This formatter returns ``None`` for them,
which Scrapy's engine and scraper read as "no line", unless a handler would take a DEBUG
record from their loggers (``LOG_LEVEL=DEBUG``, a test's ``caplog``): then the lines are
Scrapy's own. A dropped item's line (at its ``DropItem``'s level: DEBUG for the dedup
pipeline's duplicates) is likewise built only when a handler takes that level. Every other
message is :class:`scrapy.logformatter.LogFormatter`'s.

Setting: ``LOG_FORMATTER`` (settings.py).
"""

import logging

from scrapy.logformatter import LogFormatter

ENGINE_LOGGER = logging.getLogger("scrapy.core.engine")  # logs crawled()
SCRAPER_LOGGER = logging.getLogger("scrapy.core.scraper")  # logs scraped()


def emitted(log, level):
    """True when a record of ``level`` from ``log`` reaches a handler that takes it.

    Handlers are walked as ``Logger.callHandlers`` walks them, on every call: one added later
    (``caplog``, a DEBUG handler) gets the records again.
    """
    if not log.isEnabledFor(level):
        return False
    current, found = log, False
    while current is not None:
        for handler in current.handlers:
            found = True
            if level >= handler.level:
                return True
        current = current.parent if current.propagate else None
    return not found and logging.lastResort is not None and level >= logging.lastResort.level


class HarvestLogFormatter(LogFormatter):
    def crawled(self, request, response, spider):
        if not emitted(ENGINE_LOGGER, logging.DEBUG):
            return None
        return super().crawled(request, response, spider)

    def scraped(self, item, response, spider):
        if not emitted(SCRAPER_LOGGER, logging.DEBUG):
            return None
        return super().scraped(item, response, spider)

    def dropped(self, item, exception, response, spider):
        # A drop logs at the DropItem's level (the dedup pipeline's duplicates: DEBUG).
        line = super().dropped(item, exception, response, spider)
        return line if emitted(SCRAPER_LOGGER, line["level"]) else None
