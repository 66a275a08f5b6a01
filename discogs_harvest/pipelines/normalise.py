"""NormalisePipeline: one spelling per genre and style name.

Release and listing items carry genre and style names as Discogs sends them
(or as a loader cleaned them). Before storage links them to the ``genres`` and
``styles`` tables, each name is stripped and its inner whitespace collapsed;
a genre that matches Discogs' genre vocabulary case-insensitively (and ignoring
punctuation spacing: "funk/soul", "Hip-Hop") takes Discogs' spelling. Styles
have no fixed vocabulary: their spelling is kept. In both lists a name repeated
in another case is dropped, keeping the first one and the original order.

The rules are the pure functions :func:`canonical_name` and :func:`normalise_names`.
No settings.
"""

import functools
import logging

from discogs_harvest.items import ListingItem, ReleaseItem

logger = logging.getLogger(__name__)

# Discogs' top-level genres, spelled as the API spells them.
DISCOGS_GENRES = (
    "Blues",
    "Brass & Military",
    "Children's",
    "Classical",
    "Electronic",
    "Folk, World, & Country",
    "Funk / Soul",
    "Hip Hop",
    "Jazz",
    "Latin",
    "Non-Music",
    "Pop",
    "Reggae",
    "Rock",
    "Stage & Screen",
)


def clean_name(name):
    """Strip and collapse inner whitespace: ``"  Funk   / Soul "`` -> ``"Funk / Soul"``."""
    return " ".join(str(name).split())


def _match_key(name):
    """Case- and punctuation-blind key: "Hip-Hop", "hip hop" and "HIP HOP" agree."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())


@functools.lru_cache(maxsize=8)
def _vocabulary_index(vocabulary):
    return {_match_key(name): name for name in vocabulary}


def canonical_name(name, vocabulary=()):
    """The vocabulary's spelling of ``name`` if it has one, else ``name`` cleaned.

    ``vocabulary`` is a tuple of canonical spellings (e.g. :data:`DISCOGS_GENRES`).
    """
    cleaned = clean_name(name)
    return _vocabulary_index(tuple(vocabulary)).get(_match_key(cleaned), cleaned)


def normalise_names(names, vocabulary=()):
    """Canonical, non-empty names, each once (case-insensitively), in first-seen order."""
    result, seen = [], set()
    for name in names or ():
        if name is None:
            continue
        canonical = canonical_name(name, vocabulary)
        folded = canonical.casefold()
        if canonical and folded not in seen:
            seen.add(folded)
            result.append(canonical)
    return result


# Distinct name lists remembered per vocabulary before the memory starts over: a harvest
# meets a few hundred (every listing of a release repeats the release's lists).
MEMO_SIZE = 10_000


class NormalisePipeline:
    """Respell genres and styles of release and listing items; count what changed.

    Each distinct list of names is normalised once: every listing of a release carries that
    release's lists again, so the spellings are looked up by the list (as a tuple), and each
    item gets its own copy.
    """

    def __init__(self):
        self.respelled = 0
        self.memo = {DISCOGS_GENRES: {}, (): {}}  # vocabulary -> {tuple(names): normalised tuple}

    def process_item(self, item):
        if isinstance(item, (ReleaseItem, ListingItem)):
            genres = self.normalised(item.genres, DISCOGS_GENRES)
            styles = self.normalised(item.styles, ())
            if genres != item.genres or styles != item.styles:
                self.respelled += 1
            item.genres, item.styles = genres, styles
        return item

    def normalised(self, names, vocabulary):
        """:func:`normalise_names` of ``names``, a new list each time, worked out once per list."""
        memo = self.memo[vocabulary]
        key = tuple(names or ())
        known = memo.get(key)
        if known is None:
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            known = memo[key] = tuple(normalise_names(key, vocabulary))
        return list(known)

    def close_spider(self):
        # Nothing respelled is the usual case: worth a line only at DEBUG.
        level = logging.INFO if self.respelled else logging.DEBUG
        logger.log(level, "Normalise: genre/style names respelled or deduplicated in %d items", self.respelled)
