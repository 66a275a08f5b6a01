"""``scrapy crawl apple_music [-a release=ID,...] [-a limit=N]``: Apple Music for each stored release.

One album search per release (``APPLE_MUSIC_API_URL``, storefront ``APPLE_MUSIC_STOREFRONT``),
signed with a developer token made from ``APPLE_MUSIC_KEY_FILE``, ``APPLE_MUSIC_KEY_ID`` and
``APPLE_MUSIC_TEAM_ID`` (``.env``; :mod:`discogs_harvest.enrich.apple_music`). Stores the best
album's id, URL, 2000x2000 artwork URL and editorial notes with its confidence. The token is made
for 12 hours; a run that outlasts it stops there (exit 6) and the next one resumes. With
``-s DOWNLOAD_IMAGES=1`` the artwork of confident matches is downloaded. See
:mod:`discogs_harvest.spiders.enrichment` for what every enrichment spider does.
"""

import time

from scrapy.exceptions import CloseSpider

from discogs_harvest.enrich import apple_music
from discogs_harvest.enrich.matching import album_confidence
from discogs_harvest.artwork import album_slug, image_path
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.spiders.enrichment import EnrichmentSpider


class AppleMusicSpider(EnrichmentSpider):
    name = "apple_music"
    url_example = "https://api.music.apple.com"
    credentials_hint = "APPLE_MUSIC_KEY_FILE, APPLE_MUSIC_KEY_ID and APPLE_MUSIC_TEAM_ID (.env)"

    @classmethod
    def check_settings(cls, settings):
        super().check_settings(settings)
        for name in ("APPLE_MUSIC_KEY_FILE", "APPLE_MUSIC_KEY_ID", "APPLE_MUSIC_TEAM_ID"):
            if not settings.get(name):
                raise HarvestConfigError(f"{name} is not set: the apple_music spider needs a MusicKit key "
                                         "(APPLE_MUSIC_KEY_FILE, APPLE_MUSIC_KEY_ID, APPLE_MUSIC_TEAM_ID in .env)")
        apple_music.load_key(settings.get("APPLE_MUSIC_KEY_FILE"))

    async def start(self):
        settings = self.crawler.settings
        key = apple_music.load_key(settings.get("APPLE_MUSIC_KEY_FILE"))
        self.token = apple_music.developer_token(key, settings.get("APPLE_MUSIC_KEY_ID"),
                                                 settings.get("APPLE_MUSIC_TEAM_ID"))
        self.token_expires = time.time() + apple_music.TOKEN_LIFETIME
        self.storefront = settings.get("APPLE_MUSIC_STOREFRONT")
        async for request in super().start():
            yield request

    def search_request(self, subject):
        url = apple_music.search_url(self.service_url, self.storefront, subject.artist, subject.title)
        return self.request(url, headers={"Authorization": f"Bearer {self.token}"},
                            meta={"enrich_query": f"{subject.artist} {subject.title}"})

    def refused(self, response):
        # Apple answers an expired token as any other refused one (401, empty body): our own
        # token's age tells them apart. Expired: stop, resumable (exit 6), not an auth failure.
        if time.time() >= self.token_expires:
            raise CloseSpider("token_expired")
        super().refused(response)

    def read(self, data, response):
        return apple_music.candidates(data)

    def score(self, subject, candidate):
        return album_confidence(subject.artist, subject.title, candidate.artist, candidate.title)

    def artwork(self, subject, candidate):
        if not candidate.artwork_url:
            return []
        slug = album_slug(subject.id, subject.artist, subject.title)
        return [(image_path("albums", slug, "apple_music"), candidate.artwork_url)]
