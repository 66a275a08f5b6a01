"""Exceptions a request's errback receives from the Discogs downloader middlewares.

They derive from :class:`~scrapy.exceptions.IgnoreRequest`, so a request without an
errback is dropped with the middleware's own one-line log and no traceback. Each
carries the last ``response`` (None when there was none: timeouts, lost connections)
and a short ``reason``.
"""

from scrapy.exceptions import IgnoreRequest


class DiscogsRequestError(IgnoreRequest):
    """A Discogs API request that ended without a usable answer."""

    def __init__(self, reason, response=None):
        super().__init__(reason)
        self.reason = reason
        self.response = response


class DiscogsAuthError(DiscogsRequestError):
    """401, or 403 with a JSON body: Discogs refused the credentials or the request.

    Never retried: the same request gets the same answer.
    """


class DiscogsOutageError(DiscogsRequestError):
    """The API host has not answered for the whole outage allowed (``DISCOGS_OUTAGE_MAX``), or
    never answered at all: the harvest stops, and this request is left for the next run."""


class DiscogsTransientError(DiscogsRequestError):
    """5xx, timeouts, broken or non-JSON bodies, Cloudflare blocks: still failing after
    every retry (``DISCOGS_RETRY_TIMES``)."""
