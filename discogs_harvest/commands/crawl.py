"""``scrapy crawl``, with the failures a user can fix reported as one line.

Scrapy's own ``crawl`` exits 0 whatever happened inside the crawl and prints a traceback for a
bad spider argument. This one, before anything is fetched or written, checks the spider
arguments (``parse_arguments``) and opens the database (``DATABASE_URL``); either failing prints
``error: <reason>`` and exits 2. After the crawl, a failure close reason (unknown seller, refused
credentials; see ``FAILURE_REASONS``) prints the spider's message and exits non-zero.
"""

import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from discogs_harvest.database import open_database
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.spiders.base import FAILURE_REASONS


class Command(ScrapyCrawlCommand):
    def run(self, args, opts):
        if len(args) != 1:
            return super().run(args, opts)  # Scrapy's usage errors
        try:
            spidercls = self.crawler_process.spider_loader.load(args[0])
            parse = getattr(spidercls, "parse_arguments", None)
            if parse is not None:
                parse(**opts.spargs)
            open_database(self.settings.get("DATABASE_URL")).close()
        except HarvestConfigError as exc:
            return self.error(exc, 2)
        except KeyError:
            return super().run(args, opts)  # unknown spider: Scrapy's own message

        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return None
        reason = crawler.stats.get_value("finish_reason")
        if reason in FAILURE_REASONS:
            message = getattr(crawler.spider, "close_message", None) or reason
            return self.error(message, FAILURE_REASONS[reason])
        return None

    def error(self, message, status):
        print(f"error: {message}", file=sys.stderr)
        self.exitcode = status
