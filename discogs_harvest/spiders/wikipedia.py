"""``scrapy crawl wikipedia [-a release=ID,...] [-a limit=N]``: a Wikipedia summary for each artist.

One request per artist credited on the stored releases (release-level artists with a Discogs
id, "Various" left out) not asked yet: ``GET {WIKIPEDIA_API_URL}/api/rest_v1/page/summary/
{title}``, no key, our identifying User-Agent (:mod:`discogs_harvest.enrich.wikipedia`). Stores
the page's title, URL, extract (the biography) and image with a confidence; a 404 is
``not_found``, a disambiguation page is kept flagged. With ``-s DOWNLOAD_IMAGES=1`` the image
of confident matches is downloaded. See :mod:`discogs_harvest.spiders.enrichment`.
"""

from discogs_harvest.artwork import artist_slug, image_path
from discogs_harvest.enrich import wikipedia
from discogs_harvest.spiders.enrichment import EnrichmentSpider


class WikipediaSpider(EnrichmentSpider):
    name = "wikipedia"
    subject_kind = "artist"
    url_example = "https://en.wikipedia.org"
    credentials_hint = "DISCOGS_USER_AGENT (Wikimedia refuses requests without an identifying User-Agent)"
    readable_statuses = (404,)

    def search_request(self, subject):
        url = wikipedia.summary_url(self.service_url, subject.artist)
        return self.request(url, meta={"enrich_query": wikipedia.page_title(subject.artist)})

    def read(self, data, response):
        if response.status == 404:
            return []
        return [wikipedia.candidate(data)]

    def score(self, subject, candidate):
        return wikipedia.confidence(subject.artist, candidate)

    def artwork(self, subject, candidate):
        if not candidate.artwork_url:
            return []
        return [(image_path("artists", artist_slug(subject.id, subject.artist), "wikipedia"), candidate.artwork_url)]
