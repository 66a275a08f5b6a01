"""Request budgets for Apple Music, Spotify and Wikipedia: one policy, one instance per service.

As :mod:`.youtube` does for oEmbed, each class here is
:class:`~discogs_harvest.downloadermiddlewares.budget.RequestBudgetMiddleware` itself (the
window arithmetic, spacing, 429 pause and breaker of :mod:`.policy`), built from that
service's settings instead of the Discogs ones, pacing only requests under that service's
base URL, with its stats under ``harvest/<service>/budget/...`` and its own closing line.

Settings, for ``<P>`` in ``APPLE_MUSIC``, ``SPOTIFY``, ``WIKIPEDIA``: ``<P>_BUDGET_ENABLED``,
``<P>_RATE_LIMIT``, ``<P>_RATE_PERIOD``, ``<P>_BREAKER_THRESHOLD``, ``<P>_RETRY_AFTER_MAX``
and the base URL (``APPLE_MUSIC_API_URL``, ``SPOTIFY_API_URL``, ``WIKIPEDIA_API_URL``).
"""


from discogs_harvest import stats
from discogs_harvest.downloadermiddlewares.budget import SEND, RequestBudgetMiddleware
from discogs_harvest.downloadermiddlewares.youtube import CLEARED as YOUTUBE_CLEARED
from discogs_harvest.downloadermiddlewares.youtube import PrefixedStats, budget_settings
from discogs_harvest.exceptions import HarvestConfigError

# service -> (settings prefix, base URL setting, how the closing line names it)
SERVICES = {
    "apple_music": ("APPLE_MUSIC", "APPLE_MUSIC_API_URL", "Apple Music"),
    "spotify": ("SPOTIFY", "SPOTIFY_API_URL", "Spotify"),
    "wikipedia": ("WIKIPEDIA", "WIKIPEDIA_API_URL", "Wikipedia"),
}
CLEARED = {**YOUTUBE_CLEARED, "DISCOGS_BUDGET_REDIS_URL": ""}  # and no shared Redis window


def service_settings(settings, service):
    """``settings`` in which the budget's DISCOGS_* names hold ``service``'s values."""
    prefix, url_setting, _ = SERVICES[service]
    return budget_settings(settings, prefix, url_setting, CLEARED)


class _ServiceView:
    """The crawler as one service's budget sees it: that service's settings and stats keys."""

    def __init__(self, crawler, service):
        self._crawler = crawler
        self.settings = service_settings(crawler.settings, service)
        self.stats = PrefixedStats(crawler.stats, stats.key("budget") + "/", stats.key(service, "budget") + "/")

    def __getattr__(self, name):
        return getattr(self._crawler, name)


class ForeignBudgetMiddleware(RequestBudgetMiddleware):
    """The request budget for one foreign service (``service`` names it in :data:`SERVICES`).

    The reserved slot travels in a meta key of its own while the request is out, so no other
    instance (Discogs', YouTube's, another service's) takes the answer for one of its own.
    """

    service = None

    def __init__(self, crawler, **kwargs):
        super().__init__(_ServiceView(crawler, self.service), **kwargs)
        self._own_send = f"_{self.service}_budget_send"

    async def process_request(self, request):
        result = await super().process_request(request)
        if SEND in request.meta:
            request.meta[self._own_send] = request.meta.pop(SEND)
        return result

    def process_response(self, request, response):
        if self._own_send in request.meta:
            request.meta[SEND] = request.meta.pop(self._own_send)
            return super().process_response(request, response)
        return response

    def process_exception(self, request, exception):
        if self._own_send in request.meta:
            request.meta[SEND] = request.meta.pop(self._own_send)
            return super().process_exception(request, exception)
        return None

    def summary(self):
        return f"{SERVICES[self.service][2]}: " + super().summary()

    def spider_closed(self, spider, reason):
        if self._sent:  # a run that asked this service nothing has nothing to say about it
            super().spider_closed(spider, reason)


class AppleMusicBudgetMiddleware(ForeignBudgetMiddleware):
    service = "apple_music"


class SpotifyBudgetMiddleware(ForeignBudgetMiddleware):
    service = "spotify"


class WikipediaBudgetMiddleware(ForeignBudgetMiddleware):
    service = "wikipedia"


def check_service_budget(settings, service):
    prefix = SERVICES[service][0]
    for name, read in ((f"{prefix}_RATE_LIMIT", settings.getint), (f"{prefix}_RATE_PERIOD", settings.getfloat)):
        try:
            value = read(name)
        except ValueError:
            raise HarvestConfigError(f"{name} {settings.get(name)!r} is not a number") from None
        if value <= 0:
            raise HarvestConfigError(f"{name} must be > 0, not {settings.get(name)!r}")
