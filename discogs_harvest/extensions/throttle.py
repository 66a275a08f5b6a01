"""HarvestAutoThrottle: Scrapy's AutoThrottle, without the delays too short to spare a server.

AutoThrottle (``scrapy/extensions/throttle.py``, Scrapy 2.19) sets a download slot's delay to
the latency over ``AUTOTHROTTLE_TARGET_CONCURRENCY``, and any delay above zero has the
downloader send that slot's requests one at a time, each after the delay. The latency it reads
(``download_latency``) runs from the request going out to the reactor reading the answer's
headers, so it includes whatever else the reactor was doing meanwhile: a busy crawl against a
server answering in a millisecond or two saw 10-20 ms, spaced its requests 2.5-5 ms apart for no
server's sake, and a seller harvest of 5,000 listings (budget lifted, on the sandbox) took 4.7 s
where it took 3.9 s without AutoThrottle (issue 12). Here a delay shorter than
``AUTOTHROTTLE_DEADBAND`` seconds is none: a server that answers that fast needs no spacing, and
the request budget paces the rate whatever the delay (:mod:`discogs_harvest.downloadermiddlewares.budget`).
Longer delays, a slow or struggling server's, are AutoThrottle's own, unchanged.

Settings: Scrapy's ``AUTOTHROTTLE_*``, and ``AUTOTHROTTLE_DEADBAND``.
"""

from scrapy.extensions.throttle import AutoThrottle


class HarvestAutoThrottle(AutoThrottle):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.deadband = crawler.settings.getfloat("AUTOTHROTTLE_DEADBAND", 0.0)

    def _adjust_delay(self, slot, latency, response):
        """AutoThrottle's policy (Scrapy's own method, 2.19), then a delay under the dead band
        back to the least one (``DOWNLOAD_DELAY``)."""
        super()._adjust_delay(slot, latency, response)
        if slot.delay < self.deadband:
            slot.delay = self.mindelay
