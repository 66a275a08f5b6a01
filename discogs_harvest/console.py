"""A quiet console by default: the harvest's own story, not Scrapy's start-up and stats dumps.

Scrapy's INFO level prints about 70 lines before the first request (versions, enabled
components, overridden settings) and 40 lines of stats at close. A harvest's log should
show its own lines: the run, the inventory summary ("Inventory of X complete: N listings;
M releases to fetch, about T min"), progress, and one summary line per component at close.

:func:`quiet_console` demotes Scrapy's own INFO lines from the loggers in
:data:`BOILERPLATE` to DEBUG, so the console handler (at ``LOG_LEVEL``, INFO by default)
leaves them out. Warnings and errors from the same loggers are untouched, and so is
everything of the project's, the feed exporter's "Stored ... feed" line included. It
does nothing when ``HARVEST_LOG_QUIET`` is off or ``LOG_LEVEL`` was chosen by the user
(``-L``, ``-s LOG_LEVEL=...`` or ``LOG_LEVEL`` in the environment or ``.env``): then
Scrapy's lines are shown at that level as usual, ``-L DEBUG`` shows everything.

The filter sits on the loggers themselves (a logger's filters see the records it emits),
because Scrapy installs its console handler, and logs its versions, after the command's
options are read; ``logging.config.dictConfig`` resets the levels of those loggers but
keeps their filters.

Settings: ``HARVEST_LOG_QUIET``, ``LOG_LEVEL`` (its priority tells whether it was given).
"""

import logging

from scrapy.settings import SETTINGS_PRIORITIES

# Scrapy loggers whose INFO lines are start-up or close boilerplate.
BOILERPLATE = (
    "scrapy.utils.log",  # "Scrapy started", versions, reactor
    "scrapy.addons",  # "Enabled addons"
    "scrapy.crawler",  # "Overridden settings"
    "scrapy.middleware",  # "Enabled extensions / middlewares / pipelines"
    "scrapy.core.engine",  # "Spider opened", "Closing spider", "Spider closed"
    "scrapy.extensions.logstats",  # "Crawled 0 pages (at 0 pages/min) ..." every minute
    "scrapy.statscollectors",  # "Dumping Scrapy stats" (our components log their own summary)
)


class DemoteInfo(logging.Filter):
    """Turns INFO records into DEBUG ones; other levels pass unchanged."""

    def filter(self, record):
        if record.levelno == logging.INFO:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


_FILTER = DemoteInfo()


def wants_quiet(settings):
    """True when the default console applies: quiet on, and no LOG_LEVEL chosen by the user."""
    if not settings.getbool("HARVEST_LOG_QUIET", True):
        return False
    return settings.getpriority("LOG_LEVEL") < SETTINGS_PRIORITIES["cmdline"]


def quiet_console(settings, loggers=BOILERPLATE):
    """Demote the boilerplate loggers' INFO lines when :func:`wants_quiet`; return whether it did."""
    quiet = wants_quiet(settings)
    for name in loggers:
        logger = logging.getLogger(name)
        if quiet and _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        elif not quiet:
            logger.removeFilter(_FILTER)
    return quiet
