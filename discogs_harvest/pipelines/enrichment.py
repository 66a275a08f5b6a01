"""EnrichmentPipeline: stores each enrichment search's outcome in ``enrichment_matches``.

Reads ``DATABASE_URL``. Writes one row per :class:`~discogs_harvest.enrich.items.EnrichmentMatchItem`
as it arrives, in its own transaction, so a run killed half-way keeps every answer it had and
the next run asks only about the rest (:mod:`discogs_harvest.enrich.subjects`). A row already
there for the same service and subject is replaced in place (``ON CONFLICT ... DO UPDATE``).
Other items pass through untouched.

Stats: ``harvest/enrich/<service>/<status>`` (matched, low_confidence, not_found).
"""

import logging

from discogs_harvest import stats
from discogs_harvest.enrich.items import EnrichmentMatchItem
from discogs_harvest.freshness import database_for
from discogs_harvest.models import EnrichmentMatch, utcnow

logger = logging.getLogger(__name__)

COLUMNS = ("service", "subject", "subject_id", "query", "confidence", "status", "low_confidence", "external_id",
           "url", "artist", "title", "artwork_url", "notes")


class EnrichmentPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.database_url = crawler.settings.get("DATABASE_URL")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        if not isinstance(item, EnrichmentMatchItem):
            return item
        database = database_for(self.database_url)
        row = {name: getattr(item, name) for name in COLUMNS}
        row["matched_at"] = utcnow()
        with database.atomic():
            (EnrichmentMatch.insert(**row)
             .on_conflict(conflict_target=[EnrichmentMatch.service, EnrichmentMatch.subject,
                                           EnrichmentMatch.subject_id],
                          update={getattr(EnrichmentMatch, name): value for name, value in row.items()
                                  if name not in ("service", "subject", "subject_id")})
             .execute())
        self.crawler.stats.inc_value(stats.key("enrich", item.service, item.status))
        return item
