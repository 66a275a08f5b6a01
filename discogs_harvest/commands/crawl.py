"""``scrapy crawl``, with every failure a user can act on reported as one line and an exit status.

Scrapy's own ``crawl`` exits 0 whatever happened inside the crawl and prints a traceback for a
bad spider argument. This one, before anything is fetched or written, checks the spider name
and arguments (``parse_arguments``), ``DISCOGS_API_URL``, every setting
(:func:`discogs_harvest.validation.check_settings`: NaN, infinity, negatives, headroom that
leaves no request), the ``-O``/``FEEDS`` files, then that the database (``DATABASE_URL``) can
be written now: not read-only, not locked by another process (waiting
``DATABASE_LOCK_TIMEOUT`` seconds at most; the harvest's own writes keep the long busy timeout
of :mod:`discogs_harvest.database`). Any of these failing prints ``error: <reason>`` and exits
2, with the database untouched.

After the crawl, :func:`verdict` turns the close reason and the stats into one line and an
exit status (the README's table): a failure close reason (unknown seller, refused
credentials; see ``FAILURE_REASONS``) exits 3 or 4; a run stopped before its end (Ctrl-C, a
JSON-RPC ``close_spider``, the API unreachable) exits 6 and says what is left and the
command that resumes it; a run that finished with work left undone (a failed page or
release, an inventory not proven complete, an item not stored, a feed not written, an
answer the spider could not process) exits 5. What was stored is kept either way.

Settings: ``DISCOGS_API_URL``, ``FEEDS``, ``DATABASE_URL``, ``DATABASE_LOCK_TIMEOUT`` and
everything :mod:`discogs_harvest.validation` checks; ``DISCOGS_OAUTH_SIGNATURE_METHOD``
(with OAuth credentials); ``DISCOGS_BUDGET_REDIS_URL`` (Redis must answer).
"""

import logging
import os
import shlex
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from discogs_harvest import oauth, stats
from discogs_harvest.commands.preload import preload_handlers
from discogs_harvest.console import quiet_console
from discogs_harvest.database import check_database
from discogs_harvest.downloadermiddlewares.auth import oauth_credentials
from discogs_harvest.downloadermiddlewares.redis_window import check_redis
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.freshness import database_for
from discogs_harvest.spiders.discogs import resolve as resolve_entry
from discogs_harvest.scrub import scrub
from discogs_harvest.downloadermiddlewares.outage import CLOSE_REASON as API_UNREACHABLE
from discogs_harvest.downloadermiddlewares.outage import MESSAGE as OUTAGE_MESSAGE
from discogs_harvest.pipelines.storage import CLOSE_REASON as STORAGE_FAILED
from discogs_harvest.pipelines.storage import FATAL as STORAGE_FATAL
from discogs_harvest.spidermiddlewares.market import check_market
from discogs_harvest.spidermiddlewares.videochecks import check_youtube
from discogs_harvest.spiders.base import FAILURE_REASONS
from discogs_harvest.trackfeed import parse_feed
from discogs_harvest.validation import check_settings

# Seconds the pre-check waits for another process's write lock (settings.py has the default).
DEFAULT_LOCK_TIMEOUT = 5.0
BAD_INPUT = 2
INCOMPLETE = 5
STOPPED = 6  # stopped before its end (Ctrl-C, close_spider, the API unreachable): run it again
FINISHED = "finished"

logger = logging.getLogger(__name__)

# Stats that count work a finished harvest left undone, and how to say it.
UNDONE = (
    (stats.PAGES_FAILED, "{} inventory pages failed every retry"),
    (stats.RELEASES_FAILED, "{} releases failed every retry"),
    (stats.key("storage", "items_failed"), "{} items could not be stored"),
    ("spider_exceptions/count", "{} answers could not be processed (the log has the traceback)"),
    ("feedexport/failed_count", "{} feeds could not be written"),
    (stats.key("availability", "unproven"), "{} inventories were not proven complete, so no listing was marked "
                                            "unavailable"),
    (stats.key("youtube", "videos", "unchecked"), "{} videos could not be checked on YouTube"),
    (stats.key("enrich", "failed"), "{} enrichment searches failed"),
)


def counted(values, key):
    """A stat, or the sum of the stats under it (``feedexport/failed_count/<storage>``)."""
    if key in values:
        return values[key]
    return sum(value for name, value in values.items() if name.startswith(key + "/"))


def incomplete_message(values, command=None):
    """``"harvest incomplete: 2 releases failed every retry; ..."`` or None when nothing is undone."""
    undone = [text.format(counted(values, key)) for key, text in UNDONE if counted(values, key)]
    if not undone:
        return None
    again = f"; run it again to retry them first: {command}" if command else "; the next run retries them first"
    return f"harvest incomplete: {'; '.join(undone)} (see the log){again}"


def left_undone(values):
    """``"5 of 8 inventory pages and 120 of 300 releases not fetched"`` from the progress stats."""
    parts = []
    pages_total = values.get(stats.PAGES_TOTAL)
    pages_done = values.get(stats.PAGES_DONE, 0) + values.get(stats.PAGES_AHEAD, 0)  # both replayed by a resume
    if pages_total and pages_done < pages_total:
        parts.append(f"{pages_total - pages_done} of {pages_total} inventory pages")
    to_fetch, done = values.get(stats.RELEASES_TO_FETCH, 0), values.get(stats.RELEASES_DONE, 0)
    if to_fetch and done < to_fetch:
        parts.append(f"{to_fetch - done} of {to_fetch} releases")
    if not parts:
        return "the rest of the harvest is not done"
    return " and ".join(parts) + " not fetched"


def verdict(reason, values, close_message=None, command="the same command"):
    """``(status, message)`` for a crawl that ended with ``reason`` and ``values`` (stats)."""
    if reason in FAILURE_REASONS:
        return FAILURE_REASONS[reason], close_message or reason
    if reason == STORAGE_FAILED or values.get(STORAGE_FATAL):
        fatal = values.get(STORAGE_FATAL) or "cannot write the database"
        return STOPPED, f"{fatal}; {left_undone(values)}; fix it, then resume with: {command}"
    if reason == API_UNREACHABLE:
        outage = values.get(OUTAGE_MESSAGE) or "cannot reach the API"
        return STOPPED, f"{outage}; {left_undone(values)}; run again once it answers: {command}"
    if reason != FINISHED:
        return STOPPED, f"harvest stopped before its end ({reason or 'killed'}): {left_undone(values)}; " \
                        f"resume with: {command}"
    message = incomplete_message(values, command)
    return (INCOMPLETE, message) if message else (0, None)


SECRET_SETTINGS = ("TOKEN", "SECRET", "KEY", "PASSWORD")


def resume_command(argv):
    """The command line that was run, to run again (values of secret ``-s`` settings hidden)."""
    # Scrapy's cmdline removes the command name from sys.argv (scrapy/cmdline.py _pop_command_name).
    words, hide = ["scrapy", "crawl"], False
    for word in argv[1:]:
        if word == "crawl" and len(words) == 2:
            continue
        if hide or (word.startswith("-s") and len(word) > 2 and "=" in word):
            name, _, value = word.removeprefix("-s").partition("=")
            if any(secret in name.upper() for secret in SECRET_SETTINGS):
                word = f"{'-s' if not hide else ''}{name}=..."
            hide = False
        elif word in ("-s", "--set"):
            hide = True
        words.append(word)
    return shlex.join(words)


def check_feeds(settings):
    """Raise HarvestConfigError unless every local feed file (``-O``, ``-o``, ``FEEDS``) can be written."""
    for uri in settings.getdict("FEEDS"):
        uri = str(uri)
        parts = urlsplit(uri)
        if "%(" in uri or (parts.scheme not in ("", "file") and len(parts.scheme) > 1):
            continue  # a remote store, or a name filled in at run time
        path = Path(unquote(parts.path) if parts.scheme == "file" else uri)
        if path.is_dir():
            raise HarvestConfigError(f"feed {uri} is a folder, not a file")
        if path.exists():
            if not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222:
                raise HarvestConfigError(f"feed {uri} is read-only")
            continue
        folder = path.absolute().parent
        while not folder.exists():
            folder = folder.parent
        if not folder.is_dir():
            raise HarvestConfigError(f"feed {uri} cannot be written: {folder} is not a folder")
        if not os.access(folder, os.W_OK) or not folder.stat().st_mode & 0o222:
            raise HarvestConfigError(f"feed {uri} cannot be written: folder {folder} is read-only")


def check_api_url(url):
    """Raise HarvestConfigError unless ``url`` is an http(s) URL with a host."""
    try:
        parts = urlsplit(url or "")
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts, host = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise HarvestConfigError(f"DISCOGS_API_URL {url!r} is not an http(s) URL like https://api.discogs.com")


class Command(ScrapyCrawlCommand):
    def process_options(self, args, opts):
        super().process_options(args, opts)
        quiet_console(self.settings)  # before Scrapy logs its start-up lines

    def run(self, args, opts):
        if len(args) != 1:
            return super().run(args, opts)  # Scrapy's usage errors
        try:
            # `discogs -a url=...` runs the spider the URL names (spiders/discogs.py).
            name, opts.spargs = resolve_entry(args[0], opts.spargs)
            self.check(name, opts)
        except HarvestConfigError as exc:
            return self.error(exc, BAD_INPUT)

        preload_handlers(self.settings)
        crawler = self._create_crawler(name)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return None
        status, message = verdict(crawler.stats.get_value("finish_reason"), crawler.stats.get_stats(),
                                  getattr(crawler.spider, "close_message", None), resume_command(sys.argv))
        if status:
            return self.error(message, status)
        return None

    def check(self, name, opts):
        """Everything that can be checked before a request is sent or a byte written."""
        loader = self.crawler_process.spider_loader
        try:
            spidercls = loader.load(name)
        except KeyError:
            raise HarvestConfigError(f"no spider named {name!r}; the spiders are {', '.join(sorted(loader.list()))}") \
                from None
        parse = getattr(spidercls, "parse_arguments", None)
        if parse is not None:
            try:
                parse(**opts.spargs)
            except HarvestConfigError:
                raise
            except Exception as exc:  # no traceback for any argument, whatever it holds
                raise HarvestConfigError(f"bad spider argument: {type(exc).__name__}: {exc}") from None
        check_api_url(self.settings.get("DISCOGS_API_URL"))
        if hasattr(spidercls, "check_settings"):  # a spider's own settings (the enrichment spiders')
            spidercls.check_settings(self.settings)
        check_settings(self.settings)
        check_feeds(self.settings)
        check_youtube(self.settings, name, opts.spargs)
        parse_feed(opts.spargs.get("feed"))
        check_market(opts.spargs)
        if self.settings.get("DISCOGS_BUDGET_REDIS_URL"):
            check_redis(self.settings.get("DISCOGS_BUDGET_REDIS_URL"))
        if oauth_credentials(self.settings):  # PLAINTEXT over http, an unknown method: one line
            oauth.signature_method(self.settings.get("DISCOGS_OAUTH_SIGNATURE_METHOD"),
                                   self.settings.get("DISCOGS_API_URL"))
        url = self.settings.get("DATABASE_URL")
        check_database(url, self.settings.getfloat("DATABASE_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT))
        # Opened (tables created, migrations run) before a request is sent, and kept for the
        # crawl's pipelines: database_for opens a URL once per process.
        database_for(url)

    def error(self, message, status):
        print(f"error: {scrub(str(message))}", file=sys.stderr)
        if self.settings.get("LOG_FILE"):
            # A Scrapyd job's log is LOG_FILE; its stderr goes to the daemon's log only.
            logger.error("error: %s", scrub(str(message)))
        self.exitcode = status
