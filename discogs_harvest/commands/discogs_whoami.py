"""``scrapy discogs_whoami``: one request to say which user and rate tier the credentials give
(:mod:`discogs_harvest.whoami`); a refused credential is one ``error:`` line and exit 4."""

import sys

from scrapy.commands import ScrapyCommand

from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.whoami import WhoamiError, whoami


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def short_desc(self):
        return "Check the Discogs credentials: user, auth tier and rate limit (one request)"

    def run(self, args, opts):
        try:
            print(whoami(self.settings).line())
        except HarvestConfigError as exc:
            self._fail(str(exc), 2)
        except WhoamiError as exc:
            self._fail(str(exc), exc.status)

    def _fail(self, message, status):
        print(f"error: {message}", file=sys.stderr)
        self.exitcode = status
