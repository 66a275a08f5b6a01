"""Wikipedia: an artist's summary from the public REST API (no key).

``GET {WIKIPEDIA_API_URL}/api/rest_v1/page/summary/{title}`` (the title with spaces as
underscores, percent-encoded; en.wikipedia.org/api/rest_v1/ "Get page content summary").
Wikimedia's User-Agent policy asks for an identifying User-Agent with contact details: the
spider sends ``DISCOGS_USER_AGENT``. A 404 means no page of that title.

Confidence: the page title against the artist's name (normalised as in :mod:`.matching`),
lowered when the page is not about music (its short description names no musical word) and
set low for a disambiguation page, which is kept, flagged, for a person to choose.
"""

import re
from urllib.parse import quote

from discogs_harvest.enrich.answers import Candidate, need, optional
from discogs_harvest.enrich.matching import artist_key, similarity

MUSICAL = ("music", "band", "singer", "musician", "composer", "rapper", "dj", "producer", "group", "orchestra",
           "guitarist", "pianist", "drummer", "songwriter", "artist", "duo", "trio", "ensemble", "vocalist")
DISAMBIGUATION_CONFIDENCE = 0.3
NOT_MUSICAL_FACTOR = 0.7


def page_title(name):
    """The page title Wikipedia would give an artist credit: ``"Persuader, The (2)"`` -> ``"The Persuader"``."""
    name = str(name or "").strip().rstrip("*")
    name = re.sub(r"\s*\(\d+\)$", "", name)
    if name.lower().endswith(", the"):
        name = "The " + name[:-5]
    return name


def summary_url(base, name):
    return f"{base.rstrip('/')}/api/rest_v1/page/summary/{quote(page_title(name).replace(' ', '_'), safe='')}"


def candidate(data):
    kind = need(data, "type", str, "summary")
    title = need(data, "title", str, "summary")
    desktop = optional(optional(data, "content_urls", dict) or {}, "desktop", dict) or {}
    image = optional(data, "originalimage", dict) or optional(data, "thumbnail", dict) or {}
    return Candidate(external_id=title, title=title, url=optional(desktop, "page", str),
                     artwork_url=optional(image, "source", str), notes=optional(data, "extract", str),
                     kind=kind, description=optional(data, "description", str))


def confidence(name, found):
    if found.kind == "disambiguation":
        return DISAMBIGUATION_CONFIDENCE
    score = similarity(artist_key(name), artist_key(found.title))
    description = (found.description or "").lower()
    if not any(word in description for word in MUSICAL):
        score *= NOT_MUSICAL_FACTOR
    return round(score, 3)
