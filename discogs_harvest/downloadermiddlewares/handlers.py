"""DiscogsHTTPDownloadHandler: Scrapy's HTTP/1.1 handler without Twisted's silent re-send.

Twisted's ``HTTPConnectionPool`` re-sends an idempotent request (GET) once, by itself,
when a kept-alive connection closes before any response arrives
(``HTTPConnectionPool.retryAutomatically``, True by default; see
``twisted.web.client._RetryingHTTP11ClientProtocol._shouldRetry``). No middleware sees
that second request, but Discogs counts it: the request budget undercounts and walks
into 429s (one per dropped connection in the sandbox's fault benchmark). With it off, a
dropped connection surfaces as an exception, which
:class:`~discogs_harvest.downloadermiddlewares.retry.DiscogsRetryMiddleware` retries
through the budget, so every request on the wire is counted.

Enable it for both schemes (``DOWNLOAD_HANDLERS``)::

    DOWNLOAD_HANDLERS = {
        "http": "discogs_harvest.downloadermiddlewares.handlers.DiscogsHTTPDownloadHandler",
        "https": "discogs_harvest.downloadermiddlewares.handlers.DiscogsHTTPDownloadHandler",
    }
"""

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler


class DiscogsHTTPDownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler):
        super().__init__(crawler)
        self._pool.retryAutomatically = False
