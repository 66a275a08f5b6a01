"""What the three enrichment spiders (``apple_music``, ``spotify``, ``wikipedia``) share.

Each asks one foreign service about the stored releases (or artists) that have no answer from
it yet (:mod:`discogs_harvest.enrich.subjects`): exactly one search each, never retried within
the run (Scrapy's RetryMiddleware is off in this project and the Discogs retry middleware
touches only Discogs), paced by that service's own budget
(:mod:`discogs_harvest.downloadermiddlewares.foreign`). The best candidate of each answer is
scored (:mod:`discogs_harvest.enrich.matching`) and stored with the query, its confidence and
the time by :class:`~discogs_harvest.pipelines.enrichment.EnrichmentPipeline`; below
``ENRICH_MIN_CONFIDENCE`` it is stored flagged ``low_confidence``. An answer that found
nothing is stored as ``not_found``, so it is not asked again either.

Arguments: ``-a release=ID,...`` (only these releases, or the artists credited on them),
``-a limit=N``. A search that failed (a 5xx, a 429, a malformed answer, no answer) stores
nothing: it is counted under ``harvest/enrich/failed/<service>``, the run exits 5 and the
next one asks again. The service refusing our credentials (401/403, or Spotify's
``invalid_client``) closes the spider at once with one line and exit 4; nothing else is
affected (each service is its own spider and its own credentials).
"""

import json
import logging

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError

from discogs_harvest import stats
from discogs_harvest.downloadermiddlewares.apiurl import check_service_url
from discogs_harvest.downloadermiddlewares.foreign import SERVICES, check_service_budget
from discogs_harvest.enrich.answers import ShapeError
from discogs_harvest.enrich.items import EnrichmentMatchItem
from discogs_harvest.enrich.matching import is_low
from discogs_harvest.enrich.subjects import due_artists, due_releases
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.spiders.base import DiscogsSpider
from discogs_harvest.spiders.release import parse_ids, parse_limit

logger = logging.getLogger(__name__)

SUBJECT_META = "enrich_subject"
MATCHED, LOW, NOT_FOUND = "matched", "low_confidence", "not_found"


class EnrichmentSpider(DiscogsSpider):
    """Subclasses set ``name`` (the service), ``subject_kind``, ``credentials_hint`` and
    implement :meth:`search_request`, :meth:`read` and :meth:`score`."""

    subject_kind = "release"
    # No request goes to Discogs: its budget (and its warning about a missing token) stays out.
    custom_settings = {"DISCOGS_BUDGET_ENABLED": False}
    url_example = None
    credentials_hint = ""
    # Extra HTTP statuses the search callback reads itself (Wikipedia's 404: no such page).
    readable_statuses = ()

    @classmethod
    def parse_arguments(cls, release=None, limit=None, **_):
        options = {"releases": None, "limit": None}
        if release not in (None, ""):
            options["releases"] = parse_ids(str(release), "release")
        options["limit"] = parse_limit(limit)
        return options

    @classmethod
    def check_settings(cls, settings):
        """The ``crawl`` command's pre-check (HarvestConfigError, exit 2, before any request)."""
        check_service_url(settings, SERVICES[cls.name][1], cls.url_example)
        check_service_budget(settings, cls.name)
        minimum = settings.get("ENRICH_MIN_CONFIDENCE")
        try:
            if not 0 <= float(minimum) <= 1:
                raise ValueError
        except (TypeError, ValueError):
            raise HarvestConfigError(f"ENRICH_MIN_CONFIDENCE {minimum!r} is not a number from 0 to 1") from None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.min_confidence = crawler.settings.getfloat("ENRICH_MIN_CONFIDENCE")
        spider.service_url = crawler.settings.get(SERVICES[cls.name][1]).rstrip("/")
        spider.agent = crawler.settings.get("DISCOGS_USER_AGENT")
        return spider

    # --- what to ask ----------------------------------------------------------------------

    def due(self):
        pick = due_artists if self.subject_kind == "artist" else due_releases
        return pick(self.database_url, self.name, self.options["releases"], self.options["limit"])

    def searches(self):
        due = self.due()
        self.crawler.stats.set_value(stats.key("enrich", self.name, "to_search"), len(due))
        logger.info("Asking %s about %s %ss not asked yet", SERVICES[self.name][2], len(due), self.subject_kind)
        for subject in due:
            request = self.search_request(subject)
            request.meta[SUBJECT_META] = subject
            request.meta["handle_httpstatus_list"] = list(self.readable_statuses)
            request.headers.setdefault("User-Agent", self.agent)
            yield request

    async def start(self):
        for request in self.searches():
            yield request

    def request(self, url, callback=None, **kwargs):
        return scrapy.Request(url, callback=callback or self.parse_search, errback=self.search_failed,
                              dont_filter=True, **kwargs)

    # --- what came back ------------------------------------------------------------------

    def parse_search(self, response):
        subject = response.meta[SUBJECT_META]
        self.crawler.stats.inc_value(stats.key("enrich", self.name, "searches"))
        try:
            data = json.loads(response.text) if response.status == 200 else None
            candidates = self.read(data, response)
        except (ValueError, ShapeError) as exc:
            return self.failed(subject, f"malformed answer: {exc}")
        query = self.query_of(response)
        best, confidence = None, 0.0
        for candidate in candidates:
            score = self.score(subject, candidate)
            if best is None or score > confidence:
                best, confidence = candidate, score
        if best is None:
            return EnrichmentMatchItem(service=self.name, subject=subject.kind, subject_id=subject.id, query=query,
                                       confidence=0.0, status=NOT_FOUND, low_confidence=True)
        low = is_low(confidence, self.min_confidence)
        item = EnrichmentMatchItem(
            service=self.name, subject=subject.kind, subject_id=subject.id, query=query, confidence=confidence,
            status=LOW if low else MATCHED, low_confidence=low, external_id=best.external_id, url=best.url,
            artist=best.artist, title=best.title, artwork_url=best.artwork_url, notes=best.notes)
        if not low:
            item.artwork = self.artwork(subject, best)
        return item

    def closed(self, reason):
        """One line: what this run asked the service and what it found."""
        super().closed(reason)
        value = lambda *parts: self.crawler.stats.get_value(stats.key(*parts), 0)  # noqa: E731
        logger.info("%s: %s of %s %ss searched: %s matched, %s low confidence (kept, flagged), %s not found, "
                    "%s failed", SERVICES[self.name][2], value("enrich", self.name, "searches"),
                    value("enrich", self.name, "to_search"), self.subject_kind, value("enrich", self.name, MATCHED),
                    value("enrich", self.name, LOW), value("enrich", self.name, NOT_FOUND),
                    value("enrich", "failed", self.name))

    def failed(self, subject, reason):
        self.crawler.stats.inc_value(stats.key("enrich", "failed", self.name))
        logger.warning("%s search for %s %s failed: %s", SERVICES[self.name][2], subject.kind, subject.id, reason)
        return None

    def search_failed(self, failure):
        response = getattr(failure.value, "response", None)
        if failure.check(HttpError) and response.status in (401, 403):
            self.refused(response)
        subject = failure.request.meta.get(SUBJECT_META)
        if subject is not None:
            self.failed(subject, self.describe(failure))

    def refused(self, response):
        """The service refused our credentials: one line, exit 4 (see ``FAILURE_REASONS``)."""
        self.fail("auth_failed", f"{SERVICES[self.name][2]} refused the credentials (HTTP {response.status}"
                                 f"{self.refusal_detail(response)}); check {self.credentials_hint}")

    def refusal_detail(self, response):
        text = response.text.strip()[:120] if response.body else ""
        return f": {text}" if text else ""

    def query_of(self, response):
        return response.meta.get("enrich_query") or response.url

    # --- per service ------------------------------------------------------------------------

    def search_request(self, subject):
        raise NotImplementedError

    def read(self, data, response):
        """The Candidates of an answer (ShapeError when it is malformed)."""
        raise NotImplementedError

    def score(self, subject, candidate):
        raise NotImplementedError

    def artwork(self, subject, candidate):
        """``[(IMAGES_STORE path, URL)]`` to download for a confident match (none by default)."""
        return []
