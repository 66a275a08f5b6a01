"""``scrapy crawl spotify [-a release=ID,...] [-a limit=N]``: Spotify's album for each stored release.

First a client-credentials token from ``SPOTIFY_ACCOUNTS_URL`` with ``SPOTIFY_CLIENT_ID`` and
``SPOTIFY_CLIENT_SECRET`` (``.env``), then one album search per release on ``SPOTIFY_API_URL``
(:mod:`discogs_harvest.enrich.spotify`). Stores the best album's id and URL with its
confidence. A refused client (400 ``invalid_client``) or token (401) ends the run with one line,
exit 4. A token lasts an hour (``expires_in``): when Spotify says it expired, the run stops
(close reason ``token_expired``, exit 6 with the command that resumes it) instead of spending
a refused request on every search left. See :mod:`discogs_harvest.spiders.enrichment`.
"""

import json

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.spidermiddlewares.httperror import HttpError

from discogs_harvest.enrich import spotify
from discogs_harvest.enrich.answers import ShapeError
from discogs_harvest.enrich.matching import album_confidence
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.downloadermiddlewares.apiurl import check_service_url
from discogs_harvest.spiders.enrichment import EnrichmentSpider


class SpotifySpider(EnrichmentSpider):
    name = "spotify"
    url_example = "https://api.spotify.com"
    credentials_hint = "SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET (.env)"

    @classmethod
    def check_settings(cls, settings):
        super().check_settings(settings)
        check_service_url(settings, "SPOTIFY_ACCOUNTS_URL", "https://accounts.spotify.com")
        for name in ("SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET"):
            if not settings.get(name):
                raise HarvestConfigError(f"{name} is not set: the spotify spider needs an app's client id and "
                                         "secret (SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET in .env)")

    async def start(self):
        settings = self.crawler.settings
        url, headers, body = spotify.token_request_parts(settings.get("SPOTIFY_ACCOUNTS_URL"),
                                                         settings.get("SPOTIFY_CLIENT_ID"),
                                                         settings.get("SPOTIFY_CLIENT_SECRET"))
        headers["User-Agent"] = self.agent
        # 400 is read here: it is how the accounts service says the client is wrong.
        yield scrapy.Request(url, method="POST", headers=headers, body=body, callback=self.parse_token,
                             errback=self.token_failed, dont_filter=True, meta={"handle_httpstatus_list": [400]})

    def parse_token(self, response):
        try:
            data = json.loads(response.text)
        except ValueError:
            data = None
        if response.status == 400:
            self.fail("auth_failed", f"Spotify refused the client credentials (HTTP 400: {spotify.error_text(data)}); "
                                     f"check {self.credentials_hint}")
        try:
            self.token = spotify.access_token(data)
        except ShapeError as exc:
            self.fail("auth_failed", f"Spotify's token answer is malformed ({exc}); nothing was searched")
        yield from self.searches()

    def token_failed(self, failure):
        response = getattr(failure.value, "response", None)
        if response is not None and response.status in (401, 403):
            self.refused(response)
        self.fail("auth_failed", f"Spotify's token endpoint failed ({self.describe(failure)}); nothing was searched")

    def search_failed(self, failure):
        response = getattr(failure.value, "response", None)
        if failure.check(HttpError) and response.status == 401 and "expired" in self.refusal_detail(response):
            if self.close_message is None:
                self.close_message = "Spotify's access token expired during the run"
                self.logger.warning("%s: stopping; the next run gets a new token and asks only about the rest",
                                    self.close_message)
            raise CloseSpider("token_expired")
        return super().search_failed(failure)

    def search_request(self, subject):
        url = spotify.search_url(self.service_url, subject.artist, subject.title)
        return self.request(url, headers={"Authorization": f"Bearer {self.token}"},
                            meta={"enrich_query": f"album:{subject.title} artist:{subject.artist}"})

    def refusal_detail(self, response):
        try:
            return f": {spotify.error_text(json.loads(response.text))}"
        except ValueError:
            return ""

    def read(self, data, response):
        return spotify.candidates(data)

    def score(self, subject, candidate):
        return album_confidence(subject.artist, subject.title, candidate.artist, candidate.title)
