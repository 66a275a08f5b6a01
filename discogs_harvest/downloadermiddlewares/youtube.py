"""YoutubeBudgetMiddleware: the request budget for YouTube's oEmbed host.

One budget policy, several instances (STYLE.md): this is
:class:`~discogs_harvest.downloadermiddlewares.budget.RequestBudgetMiddleware` itself, the
same window arithmetic, spacing, 429 pause and breaker (:mod:`.policy`), built a second
time from the YouTube settings instead of the Discogs ones. It paces only requests under
``YOUTUBE_OEMBED_URL``; the Discogs budget paces only requests under ``DISCOGS_API_URL``, so
neither spends the other's window.

Settings: ``YOUTUBE_BUDGET_ENABLED``, ``YOUTUBE_OEMBED_URL``, ``YOUTUBE_RATE_LIMIT``,
``YOUTUBE_RATE_PERIOD``, ``YOUTUBE_BREAKER_THRESHOLD``, ``YOUTUBE_RETRY_AFTER_MAX``.
Stats: the budget's, under ``harvest/youtube/budget/...`` instead of ``harvest/budget/...``.

:func:`check_youtube_settings` is the ``crawl`` command's pre-check of those settings.
"""


from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from discogs_harvest import stats
from discogs_harvest.downloadermiddlewares.apiurl import check_service_url
from discogs_harvest.downloadermiddlewares.budget import SEND, RequestBudgetMiddleware
from discogs_harvest.exceptions import HarvestConfigError

# The budget's DISCOGS_<name> settings another instance reads from <PREFIX>_<name> instead
# (and DISCOGS_API_URL from its own base URL setting).
BUDGET_SETTINGS = ("BUDGET_ENABLED", "RATE_LIMIT", "RATE_PERIOD", "BREAKER_THRESHOLD", "RETRY_AFTER_MAX")
# Nothing kept back for other clients, and no Discogs credentials in this instance's view.
CLEARED = {"DISCOGS_RATE_HEADROOM": 0, "DISCOGS_TOKEN": "", "DISCOGS_CONSUMER_KEY": "",
           "DISCOGS_CONSUMER_SECRET": ""}

OWN_SEND = "_youtube_budget_send"

STATS_FROM = stats.key("budget") + "/"
STATS_TO = stats.key("youtube", "budget") + "/"


class SettingsOverlay(BaseSettings):
    """``settings`` read with ``values`` in place of some names, as if given with ``-s``; frozen.

    How one more budget instance sees the Discogs budget's settings. A view, not a copy: copying a
    crawler's settings (``copy_to_dict``, then ``Settings``) deep-copied its 400-odd values for each
    of the four extra instances, about 0.04 s of every crawl's start-up (issue 12).
    """

    def __init__(self, settings, values):
        super().__init__()
        self._settings = settings
        self._values = dict(values)
        self.frozen = True

    def __getitem__(self, name):
        return self._values[name] if name in self._values else self._settings[name]

    def __contains__(self, name):
        return name in self._values or name in self._settings

    def __iter__(self):
        yield from self._values
        yield from (name for name in self._settings if name not in self._values)

    def __len__(self):
        return sum(1 for _ in self)

    def getpriority(self, name):
        return SETTINGS_PRIORITIES["cmdline"] if name in self._values else self._settings.getpriority(name)


def budget_settings(settings, prefix, url_setting, cleared):
    """``settings`` as one more budget instance reads them: the budget's DISCOGS_* names hold the
    ``prefix``'s values and ``url_setting``'s URL, and ``cleared`` what that instance must not see."""
    values = {f"DISCOGS_{name}": settings.get(f"{prefix}_{name}") for name in BUDGET_SETTINGS}
    values["DISCOGS_API_URL"] = settings.get(url_setting)
    return SettingsOverlay(settings, {**values, **cleared})


def host_settings(settings):
    """``settings`` in which the budget's DISCOGS_* names hold the YouTube values."""
    return budget_settings(settings, "YOUTUBE", "YOUTUBE_OEMBED_URL", CLEARED)


class PrefixedStats:
    """A stats collector that files ``harvest/budget/...`` keys under another prefix."""

    def __init__(self, stats_collector, old=STATS_FROM, new=STATS_TO):
        self._stats, self._old, self._new = stats_collector, old, new

    def _key(self, key):
        return self._new + key[len(self._old):] if key.startswith(self._old) else key

    def get_value(self, key, default=None):
        return self._stats.get_value(self._key(key), default)

    def set_value(self, key, value):
        self._stats.set_value(self._key(key), value)

    def inc_value(self, key, count=1, start=0):
        self._stats.inc_value(self._key(key), count, start)

    def max_value(self, key, value):
        self._stats.max_value(self._key(key), value)

    def min_value(self, key, value):
        self._stats.min_value(self._key(key), value)

    def __getattr__(self, name):
        return getattr(self._stats, name)


class _HostView:
    """The crawler as one host's budget sees it: that host's settings, its own stats keys."""

    def __init__(self, crawler):
        self._crawler = crawler
        self.settings = host_settings(crawler.settings)
        self.stats = PrefixedStats(crawler.stats)

    def __getattr__(self, name):
        return getattr(self._crawler, name)


class YoutubeBudgetMiddleware(RequestBudgetMiddleware):
    """The request budget, one more instance: for ``YOUTUBE_OEMBED_URL``.

    The reserved slot travels in its own meta key while the request is out, so the Discogs
    instance (which looks for ``SEND``) never takes a YouTube answer for one of its own.
    """

    def __init__(self, crawler, **kwargs):
        super().__init__(_HostView(crawler), **kwargs)

    async def process_request(self, request):
        result = await super().process_request(request)
        if SEND in request.meta:
            request.meta[OWN_SEND] = request.meta.pop(SEND)
        return result

    def process_response(self, request, response):
        if OWN_SEND in request.meta:
            request.meta[SEND] = request.meta.pop(OWN_SEND)
        return super().process_response(request, response)

    def process_exception(self, request, exception):
        if OWN_SEND in request.meta:
            request.meta[SEND] = request.meta.pop(OWN_SEND)
        return super().process_exception(request, exception)

    def summary(self):
        return "YouTube oEmbed: " + super().summary()

    def spider_closed(self, spider, reason):
        if self._sent:  # a harvest that checked no video has nothing to say about YouTube
            super().spider_closed(spider, reason)


def check_youtube_settings(settings):
    """Raise HarvestConfigError for YouTube settings a check could not run with.

    ``YOUTUBE_OEMBED_URL`` must be an http(s) URL, and must not lie under ``DISCOGS_API_URL``:
    the Discogs middlewares would send the Discogs token there and count the requests in the
    Discogs budget. The rate settings must be numbers above 0 (0 would switch pacing off).
    """
    check_service_url(settings, "YOUTUBE_OEMBED_URL", "https://www.youtube.com/oembed")
    for name, read in (("YOUTUBE_RATE_LIMIT", settings.getint), ("YOUTUBE_RATE_PERIOD", settings.getfloat),
                       ("YOUTUBE_RETRY_TIMES", settings.getint)):
        try:
            value = read(name)
        except ValueError:
            raise HarvestConfigError(f"{name} {settings.get(name)!r} is not a number") from None
        if value < 0 or (value == 0 and name != "YOUTUBE_RETRY_TIMES"):
            raise HarvestConfigError(f"{name} must be > 0, not {settings.get(name)!r}")
