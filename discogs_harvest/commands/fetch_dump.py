"""``scrapy fetch_dump YYYYMM [--dir DIR] [--kinds releases,masters]``: download a month's data
dump with resumable range requests and check it against Discogs' CHECKSUM.txt.

Delegates to :func:`discogs_harvest.dump.fetch.fetch_month`. Exit statuses: 0 downloaded and
verified, 2 bad input (no such month, a checksum mismatch), 6 stopped before the end (the
network failed: what was received is kept and the next run continues it).
"""

import sys

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_LEVEL": "INFO"}

    def syntax(self):
        return "[options] YYYYMM"

    def short_desc(self):
        return "Download a month's Discogs data dump (resumable, SHA-256 checked)"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--dir", default=".", help="where to put the files (default: here)")
        parser.add_argument("--kinds", default="releases", help="comma-separated: releases,masters,artists,labels")

    def run(self, args, opts):
        if len(args) != 1:
            raise UsageError("give one month: scrapy fetch_dump YYYYMM")
        from discogs_harvest.dump.fetch import KINDS, FetchError, fetch_month
        from discogs_harvest.exceptions import HarvestConfigError

        kinds = [kind.strip() for kind in opts.kinds.split(",") if kind.strip()]
        try:
            if not kinds or set(kinds) - set(KINDS):
                raise HarvestConfigError(f"--kinds takes {', '.join(KINDS)}")
            paths = fetch_month(args[0], opts.dir, self.settings, kinds)
        except HarvestConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        except FetchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 6
            return
        for path in paths:
            print(f"{path}: verified")
