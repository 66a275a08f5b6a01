"""``scrapy parse``, without the spider arguments a crawl needs.

``scrapy parse --spider=release -c parse_release URL`` fetches only URL, so the spider's
``-a ids=...`` do not matter; Scrapy's own command still creates the spider with none
and the spider's argument check raised a traceback. This one marks the process (as
Scrapy marks ``scrapy check`` with ``SCRAPY_CHECK``) so the spider uses its
``example_arguments`` for any argument not given.
"""

import os

from scrapy.commands.parse import Command as ScrapyParseCommand

from discogs_harvest.spiders.base import PARSE_ENV


class Command(ScrapyParseCommand):
    def run(self, args, opts):
        os.environ[PARSE_ENV] = "1"
        return super().run(args, opts)
