"""VideoChecker: oEmbed requests for videos, and what their answers become.

Used by the ``youtube_health`` spider and, for ``-a check_videos=1``, by
:class:`~discogs_harvest.spidermiddlewares.videochecks.VideoCheckMiddleware` in the Discogs
harvests. Each request goes to ``YOUTUBE_OEMBED_URL`` (paced by the YouTube budget, never the
Discogs one); every answer, error statuses included, reaches :meth:`parse`, which turns it into
a :class:`~discogs_harvest.items.VideoCheckItem` through :func:`~.health.classify`. A transient
answer (429, 5xx, a 200 that is not oEmbed JSON) or a lost connection is re-sent up to
``YOUTUBE_RETRY_TIMES`` times (the budget spaces them, and pauses them after a 429); after that the item says ``transient``, which changes nothing but the last attempt.
Each video is checked at most once per crawl.

Settings: ``YOUTUBE_OEMBED_URL``, ``YOUTUBE_RETRY_TIMES``, ``DISCOGS_USER_AGENT`` (the project's
User-Agent, sent here too).
Stats: ``harvest/youtube/videos/requested``, ``harvest/youtube/retry/...``.
"""

import logging

import scrapy

from discogs_harvest import stats
from discogs_harvest.items import VideoCheckItem
from discogs_harvest.youtube.health import TRANSIENT, classify, lost
from discogs_harvest.youtube.oembed import oembed_url

logger = logging.getLogger(__name__)

VIDEO_META = "youtube_video_id"
RETRIES_META = "youtube_retries"
OWN_META = (VIDEO_META, "handle_httpstatus_all", "dont_retry")
REQUESTED = stats.key("youtube", "videos", "requested")
RETRY_STATS = stats.key("youtube", "retry")


class VideoChecker:
    def __init__(self, crawler, priority=0):
        settings = crawler.settings
        self.base_url = settings.get("YOUTUBE_OEMBED_URL")
        # Say who asks, as to Discogs (no credentials: oEmbed needs none, and Discogs' never go here).
        self.user_agent = settings.get("DISCOGS_USER_AGENT") or None
        self.max_retry_times = settings.getint("YOUTUBE_RETRY_TIMES")
        self.crawler = crawler
        self.priority = priority
        self.requested = set()

    def requests(self, video_ids):
        """One request per video id not asked about yet in this crawl."""
        for video_id in video_ids:
            if not video_id or video_id in self.requested:
                continue
            self.requested.add(video_id)
            self.crawler.stats.inc_value(REQUESTED)
            yield scrapy.Request(
                oembed_url(self.base_url, video_id),
                callback=self.parse,
                errback=self.failed,
                priority=self.priority,
                dont_filter=True,
                headers={"User-Agent": self.user_agent} if self.user_agent else None,
                # Every status reaches parse(): 401/403/404 are answers, not errors.
                meta={VIDEO_META: video_id, "handle_httpstatus_all": True, "dont_retry": True},
            )

    def parse(self, response):
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        outcome = classify(response.status, content_type, response.body)
        if outcome.result == TRANSIENT:
            retry = self._retry(response.request, outcome.detail)
            if retry is not None:
                yield retry
                return
        yield VideoCheckItem(response.meta[VIDEO_META], outcome.result, outcome.detail, outcome.title)

    def failed(self, failure):
        """No answer at all (timeout, refused or lost connection, DNS)."""
        request = failure.request
        reason = f"{failure.type.__name__}: {failure.getErrorMessage()}".rstrip(": ")
        retry = self._retry(request, reason)
        if retry is not None:
            yield retry
            return
        outcome = lost(reason)
        yield VideoCheckItem(request.meta[VIDEO_META], outcome.result, outcome.detail)

    def _retry(self, request, reason):
        """A fresh copy of ``request`` (only our meta: no download_latency and the like), or
        None once ``YOUTUBE_RETRY_TIMES`` re-sends were spent."""
        stats_ = self.crawler.stats
        retries = request.meta.get(RETRIES_META, 0)
        if retries >= self.max_retry_times:
            stats_.inc_value(f"{RETRY_STATS}/max_reached")
            logger.warning("Video %s: no answer after %s retries: %s", request.meta[VIDEO_META], retries, reason)
            return None
        stats_.inc_value(f"{RETRY_STATS}/count")
        stats_.inc_value(f"{RETRY_STATS}/reason_count/{reason.split(':')[0]}")
        meta = {key: request.meta[key] for key in OWN_META if key in request.meta}
        return request.replace(meta={**meta, RETRIES_META: retries + 1}, dont_filter=True)
