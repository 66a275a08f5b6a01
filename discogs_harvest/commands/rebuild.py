"""``scrapy rebuild``: every derived table again from the kept API bodies, with zero requests.

Delegates to :func:`discogs_harvest.rebuild.rebuild`. Checks the database the way ``scrapy
crawl`` does (``DATABASE_URL``, ``DATABASE_LOCK_TIMEOUT``): a problem is one ``error:`` line and
exit 2, with nothing changed. No crawler is started, so nothing can reach the network.
"""

import sys

from scrapy.commands import ScrapyCommand

from discogs_harvest.database import check_database, open_database
from discogs_harvest.exceptions import HarvestConfigError

DEFAULT_LOCK_TIMEOUT = 5.0


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_LEVEL": "INFO"}

    def short_desc(self):
        return "Re-derive every table from the kept API bodies (no request is sent)"

    def run(self, args, opts):
        from discogs_harvest.rebuild import rebuild

        url = self.settings.get("DATABASE_URL")
        try:
            check_database(url, self.settings.getfloat("DATABASE_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT))
            open_database(url).close()
        except HarvestConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        counts = rebuild(self.settings)
        print(f"Rebuilt from kept bodies: {counts['release']} releases, {counts['listing']} listings; "
              "0 API requests")
