"""VideoCheckMiddleware: ``-a check_videos=1`` checks each fetched release's videos on YouTube.

It watches what the Discogs spiders yield: after every
:class:`~discogs_harvest.items.ReleaseItem` (a release just fetched, "enriched"), it yields an
oEmbed request for each of the release's videos (:class:`~discogs_harvest.youtube.checks.VideoChecker`,
paced by the YouTube budget). The answers become ``VideoCheckItem`` s, which
:class:`~discogs_harvest.pipelines.videohealth.VideoHealthPipeline` writes. Without the argument
(or with ``check_videos=0``) it passes everything through untouched.

Reads the spider argument ``check_videos`` and the settings of :mod:`discogs_harvest.youtube.checks`.
"""

from discogs_harvest.downloadermiddlewares.youtube import check_youtube_settings
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.items import ReleaseItem
from discogs_harvest.spidermiddlewares import step_aside_when_off
from discogs_harvest.youtube.checks import VideoChecker

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}


def wants_checks(value):
    """``check_videos`` as a bool; ValueError with one line for anything else."""
    text = str(value if value is not None else "").strip().lower()
    if text in TRUE_VALUES:
        return True
    if text in FALSE_VALUES:
        return False
    raise ValueError(f"check_videos must be 1 or 0, not {value!r}")


def check_youtube(settings, spider_name, arguments):
    """The ``crawl`` command's pre-check: ``check_videos`` and, when videos will be checked, the
    YouTube settings (HarvestConfigError with one line)."""
    try:
        checks = wants_checks(arguments.get("check_videos"))
    except ValueError as exc:
        raise HarvestConfigError(str(exc)) from None
    if checks or spider_name == "youtube_health":
        check_youtube_settings(settings)


class VideoCheckMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.checker = None  # made on first use: only when the spider asks for checks
        step_aside_when_off(self)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _enabled(self):
        spider = self.crawler.spider
        if getattr(spider, "name", None) == "youtube_health":
            return False  # it makes its own requests
        try:
            return wants_checks(getattr(spider, "check_videos", None))
        except ValueError:
            return False  # refused before the crawl by the crawl command

    async def process_spider_output(self, response, result):
        enabled = self._enabled()
        async for item in result:
            yield item
            if enabled and isinstance(item, ReleaseItem):
                if self.checker is None:
                    self.checker = VideoChecker(self.crawler)
                for request in self.checker.requests(video.video_id for video in item.videos or ()):
                    yield request
