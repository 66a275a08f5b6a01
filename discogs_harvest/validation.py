"""One check of every discogs-harvest setting before a crawl starts (pure: a Settings in, an error out).

A value that Scrapy would read without complaint can still switch pacing or retries off or
hang a run: ``nan`` or ``inf`` seconds, a negative retry count, headroom that leaves no
request in the window. Components would then raise ``NotConfigured`` (Scrapy takes that as
"disable me", with a warning) or loop forever. :func:`check_settings` refuses each such
value with a :class:`~discogs_harvest.exceptions.HarvestConfigError` naming the setting and
what it must be; the ``crawl`` command prints it as one line and exits 2. The settings read
from the environment or ``.env`` (``settings.py`` keeps a value it cannot parse as given)
are checked the same way.
"""

import math
import re

from discogs_harvest.exceptions import HarvestConfigError

# name -> (kind, lowest, highest, lowest allowed itself?). Kinds: int, float (finite), bool.
RULES = {
    "DISCOGS_RATE_LIMIT": ("int", 0, None, False),
    "DISCOGS_RATE_PERIOD": ("float", 0, None, False),
    "DISCOGS_RATE_HEADROOM": ("int", 0, None, True),
    "DISCOGS_PER_PAGE": ("int", 1, 100, True),
    "DISCOGS_RETRY_TIMES": ("int", 0, None, True),
    "DISCOGS_RETRY_BACKOFF_BASE": ("float", 0, None, True),
    "DISCOGS_RETRY_BACKOFF_MAX": ("float", 0, None, True),
    "DISCOGS_RETRY_AFTER_MAX": ("float", 0, None, True),
    "DISCOGS_BREAKER_THRESHOLD": ("int", 1, None, True),
    "DISCOGS_CONNECT_FAILURES": ("int", 1, None, True),
    "DISCOGS_OUTAGE_MAX": ("float", 0, None, False),
    "DISCOGS_OUTAGE_PROBE_INTERVAL": ("float", 0, None, False),
    "DATABASE_LOCK_TIMEOUT": ("float", 0, None, True),
    "STORAGE_BATCH_SIZE": ("int", 1, None, True),
    "STORAGE_FLUSH_INTERVAL": ("float", 0, None, False),
    "STORAGE_WRITE_THREAD": ("bool", None, None, True),
    "STORAGE_WRITE_PROCESS": ("bool", None, None, True),
    "AUTOTHROTTLE_DEADBAND": ("float", 0, None, True),
    "STALENESS_MAX_AGE_DAYS": ("float", 0, None, True),
    "INVENTORY_RESUME_MAX_AGE_HOURS": ("float", 0, None, True),
    "INVENTORY_MAX_SPAN_MINUTES": ("float", 0, None, False),
    "INVENTORY_COUNT_SLACK": ("float", 0, 1, True),
    "PROGRESS_INTERVAL": ("float", 0, None, False),
    "JSONRPC_READ_TIMEOUT": ("float", 0, None, False),
    "DOWNLOAD_TIMEOUT": ("float", 0, None, False),
    "CONCURRENT_REQUESTS": ("int", 1, None, True),
    "DISCOGS_BUDGET_ENABLED": ("bool", None, None, True),
    "DISCOGS_RETRY_ENABLED": ("bool", None, None, True),
    "JSONRPC_ENABLED": ("bool", None, None, True),
    "PROGRESS_ENABLED": ("bool", None, None, True),
    # The YouTube budget is the same policy with its own numbers: the same limits apply.
    "YOUTUBE_RATE_LIMIT": ("int", 0, None, False),
    "YOUTUBE_RATE_PERIOD": ("float", 0, None, False),
    "YOUTUBE_BREAKER_THRESHOLD": ("int", 1, None, True),
    "YOUTUBE_RETRY_AFTER_MAX": ("float", 0, None, True),
    "YOUTUBE_RETRY_TIMES": ("int", 0, None, True),
    "YOUTUBE_HEALTH_MAX_AGE_DAYS": ("float", 0, None, True),
    "YOUTUBE_HEALTH_CONFIRM_HOURS": ("float", 0, None, True),
    "YOUTUBE_BUDGET_ENABLED": ("bool", None, None, True),
}
# Settings that may be left empty: the default then depends on something else.
MAY_BE_EMPTY = {"DISCOGS_RATE_LIMIT"}
BOOLS = {"1", "0", "true", "false", "yes", "no", "on", "off", "True", "False"}
CURRENCY = re.compile(r"[A-Z]{3}")
# Discogs' limits with credentials and without (API_FACTS.md §1).
LIMIT_WITH_CREDENTIALS, LIMIT_WITHOUT = 60, 25


def number(name, raw, kind):
    """``raw`` as an int or a finite float, or HarvestConfigError."""
    if isinstance(raw, bool):
        raise HarvestConfigError(f"{name} must be a number, not {raw!r}")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise HarvestConfigError(f"{name} {raw!r} is not a number") from None
    if not math.isfinite(value):
        raise HarvestConfigError(f"{name} must be a finite number, not {raw!r}")
    if kind == "int":
        if value != int(value):
            raise HarvestConfigError(f"{name} must be a whole number, not {raw!r}")
        return int(value)
    return value


def check_value(name, raw):
    """The parsed value of one setting, or HarvestConfigError saying what it must be."""
    kind, lowest, highest, inclusive = RULES[name]
    if kind == "bool":
        if not isinstance(raw, (bool, int)) and str(raw).strip() not in BOOLS:
            raise HarvestConfigError(f"{name} must be on or off (1/0, true/false), not {raw!r}")
        return raw
    value = number(name, raw, kind)
    if lowest is not None and (value < lowest or (value == lowest and not inclusive)):
        raise HarvestConfigError(f"{name} must be {'>=' if inclusive else '>'} {lowest}, not {raw!r}")
    if highest is not None and value > highest:
        raise HarvestConfigError(f"{name} must be <= {highest}, not {raw!r}")
    return value


def check_settings(settings):
    """Raise HarvestConfigError for the first setting that would switch a safeguard off or hang."""
    values = {}
    for name in RULES:
        raw = settings.get(name)
        if raw is None or (raw == "" and name in MAY_BE_EMPTY):
            continue  # not set here (a component's own default applies), or "the default"
        values[name] = check_value(name, raw)
    credentials = settings.get("DISCOGS_TOKEN") or (settings.get("DISCOGS_CONSUMER_KEY")
                                                    and settings.get("DISCOGS_CONSUMER_SECRET"))
    limit = values.get("DISCOGS_RATE_LIMIT", LIMIT_WITH_CREDENTIALS if credentials else LIMIT_WITHOUT)
    headroom = values.get("DISCOGS_RATE_HEADROOM", 0)
    if headroom >= limit:
        raise HarvestConfigError(f"DISCOGS_RATE_HEADROOM ({headroom}) must be below DISCOGS_RATE_LIMIT ({limit}): "
                                 "it would leave no request in the window")
    currency = settings.get("DISCOGS_CURRENCY")
    if currency is not None and not CURRENCY.fullmatch(str(currency)):
        raise HarvestConfigError(f"DISCOGS_CURRENCY {currency!r} is not a three-letter currency code like USD")
