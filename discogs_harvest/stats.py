"""Stats keys of discogs-harvest, built in one place.

Every figure the project records lives under ``harvest/``: ``harvest/<component>/<event>``
(``harvest/budget/wait_seconds``, ``harvest/storage/rows_upserted``). Call sites use
:func:`key` or the constants below and never spell a key twice.
"""

PREFIX = "harvest"


def key(*parts):
    """``key("budget", "waits")`` -> ``"harvest/budget/waits"``."""
    return "/".join((PREFIX, *(str(p) for p in parts)))


# Work known and done: read by the progress extension and the JSON-RPC progress call.
PAGES_TOTAL = key("pages", "total")
PAGES_DONE = key("pages", "done")
# Pages fetched and kept whose listings have not gone out (seller_inventory): not done, but
# a resumed run replays them, so they are not left to fetch either.
PAGES_AHEAD = key("pages", "ahead")
PAGES_FAILED = key("pages", "failed")
LISTINGS_SEEN = key("listings", "seen")
LISTINGS_MATCHED = key("listings", "matched")
RELEASES_TO_FETCH = key("releases", "to_fetch")
RELEASES_DONE = key("releases", "done")
RELEASES_FRESH = key("releases", "fresh_skipped")
RELEASES_FAILED = key("releases", "failed")
ITEMS_STORED = key("storage", "items_stored")
ROWS_UPSERTED = key("storage", "rows_upserted")

# The request budget (downloadermiddlewares/budget.py and retry.py).
BUDGET_REQUESTS = key("budget", "requests")
BUDGET_LIMIT = key("budget", "limit")
BUDGET_PERIOD = key("budget", "period")
BUDGET_WAITS = key("budget", "waits")
BUDGET_WAIT_SECONDS = key("budget", "wait_seconds")
BUDGET_CURRENT_WAIT = key("budget", "current_wait")
# When (epoch seconds) the current wait ends, so progress can count it down; 0 when not waiting.
BUDGET_WAIT_UNTIL = key("budget", "wait_until")
BUDGET_429 = key("budget", "429")
BUDGET_BREAKER_OPENED = key("budget", "breaker_opened")
BUDGET_HEADER_SYNCS = key("budget", "header_syncs")
