"""``scrapy changes SELLER [--since YYYY-MM-DD] [-O changes.json]``: what changed in a seller's inventory.

Reads ``listing_events`` (:func:`discogs_harvest.watching.changes`): since a date, or what the
seller's latest run recorded (the changes since the run before it). Prints one line per event,
or writes them as one JSON array to ``-O FILE`` (``-`` for stdout). Sends no request. A bad
date or database is one ``error:`` line and exit 2.
"""

import datetime
import json
import sys

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from discogs_harvest.database import open_database
from discogs_harvest.exceptions import HarvestConfigError


def describe(event):
    """One line: ``2026-12-02 15:01:02 price 4000000123: 12.5 USD -> 9.99 USD``."""
    kind, listing_id = event["kind"], event["listing_id"]
    if kind == "price":
        detail = (f"{event.get('old_price')} {event.get('old_currency', '')} -> "
                  f"{event.get('new_price')} {event.get('new_currency', '')}")
    elif "old_value" in event or "new_value" in event:
        detail = f"{event.get('old_value', '')!r} -> {event.get('new_value', '')!r}"
    elif kind == "new":
        detail = f"{event.get('new_price')} {event.get('new_currency', '')}"
    else:
        detail = ""
    return f"{event['seen_at']} {kind} {listing_id}{': ' + detail.strip() if detail.strip() else ''}"


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_LEVEL": "WARNING"}

    def syntax(self):
        return "SELLER [--since YYYY-MM-DD] [-O FILE.json]"

    def short_desc(self):
        return "Print what changed in a seller's inventory (listing_events), without any request"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--since", metavar="DATE", help="changes recorded since DATE (UTC, YYYY-MM-DD[ HH:MM])")
        parser.add_argument("-O", "--output", metavar="FILE", help="write the changes as a JSON array to FILE")

    def run(self, args, opts):
        from discogs_harvest.watching import changes

        if len(args) != 1:
            raise UsageError("name one seller")
        since = None
        try:
            if opts.since:
                try:
                    since = datetime.datetime.fromisoformat(opts.since)
                except ValueError:
                    raise HarvestConfigError(f"--since {opts.since!r} is not a date YYYY-MM-DD") from None
            database = open_database(self.settings.get("DATABASE_URL"))
        except HarvestConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        events, what = changes(args[0], since)
        if opts.output:
            text = json.dumps(events, indent=1, ensure_ascii=False)
            if opts.output == "-":
                print(text)
            else:
                with open(opts.output, "w", encoding="utf-8") as out:
                    out.write(text + "\n")
        else:
            for event in events:
                print(describe(event))
        print(f"{len(events)} changes of {args[0]} {what}", file=sys.stderr)
        database.close()
