"""HarvestLogFormatter: Scrapy's per-item log lines, built only when some handler takes them.

Scrapy logs every scraped item ("Scraped from <200 ...>" and the item) at DEBUG, and its
root handler carries ``LOG_LEVEL`` while the root logger's own level is left at NOTSET, so
each of those calls builds a ``LogRecord`` that the handler (INFO by default) then discards:
about a hundred per inventory page, one per listing. :meth:`HarvestLogFormatter.scraped` and
:meth:`~HarvestLogFormatter.dropped` (a drop at ``log_level="DEBUG"``, say) return None, which
Scrapy takes as "log nothing", when no handler on the way from the scraper's logger to the
root would take a record of that level (:func:`handled`); otherwise Scrapy's own message,
unchanged. The check runs per call (a few attribute reads, far less than a record), so a
handler added during the crawl (``-L DEBUG``, pytest's ``caplog``) sees every line as before.

Settings: ``LOG_FORMATTER`` names this class.
"""

import logging

from scrapy.logformatter import LogFormatter

# The logger Scrapy's scraper sends these records to (scrapy/core/scraper.py).
SCRAPER_LOGGER = logging.getLogger("scrapy.core.scraper")


def handled(logger, level):
    """Whether a record of ``level`` sent to ``logger`` would reach any handler that takes it
    (what ``Logger.callHandlers`` does, filters aside: they can only drop more)."""
    if not logger.isEnabledFor(level):
        return False
    found = False
    current = logger
    while current is not None:
        for handler in current.handlers:
            found = True
            if level >= handler.level:
                return True
        if not current.propagate:
            break
        current = current.parent
    # No handler anywhere: logging falls back to its last resort (stderr, WARNING and up).
    return not found and logging.lastResort is not None and level >= logging.lastResort.level


class HarvestLogFormatter(LogFormatter):
    def scraped(self, item, response, spider):
        result = super().scraped(item, response, spider)
        return result if handled(SCRAPER_LOGGER, result["level"]) else None

    def dropped(self, item, exception, response, spider):
        result = super().dropped(item, exception, response, spider)
        return result if handled(SCRAPER_LOGGER, result["level"]) else None
