"""The items of the enrichment spiders and of the artwork download."""

from dataclasses import dataclass, field


@dataclass
class EnrichmentMatchItem:
    """One search's outcome, one ``enrichment_matches`` row (see the model for the columns)."""

    service: str | None = None
    subject: str | None = None  # "release" or "artist"
    subject_id: str | None = None
    query: str | None = None
    confidence: float = 0.0
    status: str | None = None  # "matched", "low_confidence", "not_found"
    low_confidence: bool = False
    external_id: str | None = None
    url: str | None = None
    artist: str | None = None
    title: str | None = None
    artwork_url: str | None = None
    notes: str | None = None
    # (IMAGES_STORE-relative path, URL) pairs for the artwork pipeline; not stored as a column.
    artwork: list[tuple[str, str]] = field(default_factory=list)
