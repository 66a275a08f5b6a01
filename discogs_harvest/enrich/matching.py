"""How sure a foreign service's album is the release we asked about: a confidence in [0, 1].

Pure functions. Artist and title are normalised before they are compared: case and accents
folded, Discogs' own decorations dropped (the ``" (2)"`` suffix of homonyms, the ``*`` marking
an ANV, ``"Persuader, The"``), and the edition qualifiers stores add to titles
(``"(Remastered)"``, ``"[Deluxe Edition]"``, ``" - 2011 Remaster"``). The similarity of two
normalised strings is the better of difflib's ratio on them as written and on their words
sorted (so "Smith, Joe" meets "Joe Smith"). The confidence weighs the title over the artist,
as a store's artist credit differs from Discogs' more often than the title does.

A match below :data:`MIN_CONFIDENCE` (``ENRICH_MIN_CONFIDENCE``) is stored but flagged
``low_confidence``: the site never shows it as a link (issue 18: "kept but flagged, never
silently used").
"""

import re
import unicodedata
from difflib import SequenceMatcher

MIN_CONFIDENCE = 0.8
ARTIST_WEIGHT = 0.4
TITLE_WEIGHT = 0.6

_SUFFIX = re.compile(r"\s*\(\d+\)$")
_QUALIFIER = re.compile(
    r"\s*[\(\[][^\)\]]*\b(remaster(ed)?|deluxe|edition|expanded|reissue|anniversary|bonus|mono|stereo|version)"
    r"\b[^\)\]]*[\)\]]|\s+-\s+(\d{4}\s+)?(remaster(ed)?|deluxe|mono|stereo)\b.*$", re.IGNORECASE)


def fold(text):
    """Lower case, no accents, words separated by single spaces, ``&`` as ``and``."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ")
    return " ".join(re.findall(r"[a-z0-9]+", text))


def artist_key(name):
    """A Discogs artist credit as a comparable string: ``"Persuader, The (2)*"`` -> ``"the persuader"``."""
    name = str(name or "").strip().rstrip("*")
    name = _SUFFIX.sub("", name)
    if name.lower().endswith(", the"):
        name = "The " + name[:-5]
    return fold(name)


def title_key(title):
    """A title without edition qualifiers: ``"Abbey Road (Remastered)"`` -> ``"abbey road"``."""
    return fold(_QUALIFIER.sub("", str(title or "")))


def similarity(a, b):
    """0..1: how alike two normalised strings are (order of words not counted against them)."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    plain = SequenceMatcher(None, a, b).ratio()
    by_word = SequenceMatcher(None, " ".join(sorted(a.split())), " ".join(sorted(b.split()))).ratio()
    return max(plain, by_word)


def album_confidence(artist, title, found_artist, found_title):
    """Confidence that (found_artist, found_title) is (artist, title), rounded to 3 places."""
    score = (ARTIST_WEIGHT * similarity(artist_key(artist), artist_key(found_artist))
             + TITLE_WEIGHT * similarity(title_key(title), title_key(found_title)))
    return round(score, 3)


def best(candidates, score):
    """``(candidate, confidence)`` of the best-scoring candidate, or ``(None, 0.0)``."""
    scored = [(score(candidate), n, candidate) for n, candidate in enumerate(candidates)]
    if not scored:
        return None, 0.0
    confidence, _, candidate = max(scored, key=lambda s: (s[0], -s[1]))
    return candidate, confidence


def is_low(confidence, minimum=MIN_CONFIDENCE):
    return confidence < minimum
