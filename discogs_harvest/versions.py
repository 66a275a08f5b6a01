"""Which version of a song a track is: remix, live recording, edit, or another named mix.

Pure and table-driven; no settings. :func:`tracklist_versions` gives one :class:`Version` per
row of a release's tracklist, which :func:`discogs_harvest.pipelines.rows.track_rows` stores in
``tracks`` (``version``, ``is_remix``, ``remixer``, ``is_live``, ``is_edit`` and the signal that
decided each), so ``scrapy rebuild`` and the dump import derive them as a harvest does.

Three signals, strongest first:

1. ``credits``: the track's own credits (``tracklist[].extraartists``) and the release's credits
   whose ``tracks`` names the track ("A1, B2", "2-1 to 2-6", as Discogs shows them beside the
   track). A ``Remix`` role names the remixer, ``Edited By`` makes an edit, a recording or mixing
   credit that says "Live" (``Recorded By [1974 Live Sound Recorded By]``) a live recording.
2. ``marker``: a version marker in trailing parentheses or brackets of the title, read from
   the right: "(Moritz Remix)", "[Live]", "(Radio Edit)", "(Live At The Roundhouse, 1978)",
   "(Alt Mix)", "(Instrumental)". Trailing groups that name no version ("(Take 1)", "[1987 HQ]")
   are skipped.
3. ``heading``: the heading the track sits under (``type_ "heading"``): "Live ...", "... Sessions",
   "Remixes".

Each value is decided by the strongest signal that says anything about it (:data:`ORDER`); the
version's *name* prefers the marker, which names it ("Club Mix"), over the generic "Remix",
"Edit" or "Live" the credits give. Words in the plain title never count: "Live And Let Die",
"Mixed Emotions" and "Editions Of You" are titles, and every pattern matches whole words only,
so "Oliver", "Deliverance" or "UnderMix" hold no marker.
"""

import re
from dataclasses import dataclass, fields
from functools import lru_cache

CREDITS = "credits"
MARKER = "marker"
HEADING = "heading"

# Which signal decides which value, strongest first.
ORDER = {
    "version": (MARKER, CREDITS, HEADING),
    "remix": (CREDITS, MARKER, HEADING),
    "live": (CREDITS, MARKER, HEADING),
    "edit": (CREDITS, MARKER, HEADING),
}


@dataclass(frozen=True)
class Version:
    """What :func:`detect` found; the field names are the ``tracks`` columns."""

    version: str | None = None
    version_signal: str | None = None
    is_remix: bool = False
    remixer: str | None = None
    remix_signal: str | None = None
    is_live: bool = False
    live_signal: str | None = None
    is_edit: bool = False
    edit_signal: str | None = None

    def columns(self):
        if self is NOTHING:
            return NOTHING_COLUMNS.copy()
        return {name: getattr(self, name) for name in COLUMNS}


# Column names, for the tables and the feed.
COLUMNS = tuple(f.name for f in fields(Version))
# What a track with no signal is (most tracks): one shared, immutable value.
NOTHING = Version()
NOTHING_COLUMNS = {name: getattr(NOTHING, name) for name in COLUMNS}

_FLAGS = re.IGNORECASE


def _rx(pattern):
    return re.compile(pattern, _FLAGS)


# --- 1. credits -----------------------------------------------------------------------------
# (pattern on one role of a credit, e.g. "Recorded By [1974 Live Sound Recorded By]";
#  what it shows; the version name it gives)
CREDIT_RULES = (
    (_rx(r"^re-?mix(?:ed)?(?: by)?\b"), "remix", "Remix"),
    (_rx(r"^(?:re-?)?edit(?:ed)?(?: by)?\b"), "edit", "Edit"),
    (_rx(r"^(?:record|mix|engineer|sound|live)[^\[]*\[[^\]]*\blive\b"), "live", "Live"),
    (_rx(r"^recorded live\b"), "live", "Live"),
)

# A credit's role holds several roles, comma-separated outside brackets:
# "Mixed By [1974 Live Sound Mixed By], Recorded By [1974 Live Sound Recorded By]".
_ROLE_SPLIT = re.compile(r",\s*(?![^\[]*\])")

# --- 2. markers -----------------------------------------------------------------------------
_TRAILING = re.compile(r"\s*(?:\(([^()\[\]]*)\)|\[([^()\[\]]*)\])\s*\Z")

# What is left of "Moritz's Remix" once the remixer is taken: "'s Remix".
_POSSESSIVE_START = re.compile(r"\A['’´]s\b\s*")
# Words that describe a remix rather than name its remixer ("12 Extended Dance Remix").
_DESCRIPTIVE = _rx(r"\s+(?:\d+(?:''|\"|in(?:ch)?)?|12\"|7\"|extended|dance|club|radio|dub|vocal|instrumental|"
                   r"original|official|maxi|single|album|short|long|full length|new|the|house|disco|"
                   r"garage|remastered)\Z")

# (pattern matching the whole marker text; what it shows; the version name, None = the marker's text)
MARKER_RULES = (
    # "(Moritz Remix)", "(DJ Moch's 12 Extended Dance Remix)", "(Remix)", "(Bob Smith Rmx)"
    (_rx(r"(?:(?P<who>.+?)\s+)?(?:re-?mix|rmx)(?:\s+edit)?"), "remix", None),
    # "(Remixed By Bob Smith)", "(Remix By AFX)"
    (_rx(r"(?:re-?mix(?:ed)?|rmx)\s+by\s+(?P<who>.+)"), "remix", "Remix"),
    # "(Live)", "(Live At The Roundhouse, 1978)", "(Live In Paris)", "(Live '78)", "(Live Version)"
    (_rx(r"live(?:[!.]|\s+(?:at|in|from|on|version|recording|take|mix|edit|session)\b.*|[\s,]+['’]?\d.*)?"),
     "live", "Live"),
    # "(Recorded Live)", "(BBC Session Live)"
    (_rx(r".+\s+live"), "live", "Live"),
    # "(Radio Edit)", "(Tony Johns Edit)", "(Edit)", "(Re-Edit)", "(Edited Version)"
    (_rx(r"(?:.*\s)?(?:re-?)?edit|(?:re-?)?edit(?:ed)?\s+version"), "edit", None),
    # "(Extended Mix)", "(Alt Mix)", "(Dub)", "(Instrumental)", "(Version 2)", "(Full Length Version)"
    (_rx(r"(?:.*\s)?(?:mix|dub|version\s*\d*|instrumental|a\s?cappella|acapella|rework|re-work|extended|"
         r"reprise|vip)"), None, None),
)

# --- 3. headings ----------------------------------------------------------------------------
# (pattern searched in the heading; what it shows; the version name)
HEADING_RULES = (
    (_rx(r"\blive\b"), "live", "Live"),
    (_rx(r"\bsessions?\b"), None, "Session"),
    (_rx(r"\bremix(?:es)?\b"), "remix", "Remix"),
)


@dataclass
class _Clue:
    """What one signal says; None: nothing."""

    version: str | None = None
    remix: bool | None = None
    remixer: str | None = None
    live: bool | None = None
    edit: bool | None = None

    def show(self, kind, name):
        if kind is not None:
            setattr(self, kind, True)
        if self.version is None and name:
            self.version = name


def credit_roles(role):
    """``"Mixed By [A], Recorded By [B]"`` -> ``["Mixed By [A]", "Recorded By [B]"]``."""
    return [part.strip() for part in _ROLE_SPLIT.split(role or "") if part.strip()]


def from_credits(credits):
    clue = _Clue()
    remixers = []
    for credit in credits:
        for role in credit_roles(getattr(credit, "role", None)):
            for pattern, kind, name in CREDIT_RULES:
                if pattern.search(role):
                    clue.show(kind, name)
                    who = getattr(credit, "display_name", None) or getattr(credit, "name", None)
                    if kind == "remix" and who and who not in remixers:
                        remixers.append(who)
    clue.remixer = " & ".join(remixers) or None
    return clue


def trailing_markers(title):
    """The texts of the title's trailing parenthesised/bracketed groups, rightmost first; a
    group is a marker only when some title is left before it."""
    markers = []
    rest = (title or "").rstrip()
    while True:
        match = _TRAILING.search(rest)
        if match is None or not rest[:match.start()].strip():
            return markers
        markers.append((match.group(1) if match.group(1) is not None else match.group(2)).strip())
        rest = rest[:match.start()]


def remixer_in(who):
    """The remixer named before "Remix": up to a possessive ("DJ Moch's 12 Extended ..."),
    else without trailing descriptive words ("Club", "Extended", "12\"")."""
    if not who:
        return None
    possessive = re.search(r"['’´]s\b", who)
    if possessive:
        return who[:possessive.start()].strip() or None
    previous = None
    while previous != who:
        previous, who = who, _DESCRIPTIVE.sub("", " " + who).strip()
    return who or None


def from_markers(title):
    clue = _Clue()
    for marker in trailing_markers(title):
        for pattern, kind, name in MARKER_RULES:
            match = pattern.fullmatch(marker)
            if match is None:
                continue
            if kind == "remix" and clue.remixer is None:
                who = match.groupdict().get("who")
                clue.remixer = who.strip() if name else remixer_in(who)
                if name is None and clue.remixer:  # "Moritz Remix" -> "Remix", remixer "Moritz"
                    name = _POSSESSIVE_START.sub("", marker[len(clue.remixer):].lstrip()).strip()
            clue.show(kind, name or marker)
    return clue


@lru_cache(maxsize=1024)
def _heading_shows(heading):
    """The ``(kind, name)`` of each :data:`HEADING_RULES` rule the heading matches. Every track
    under a heading asks the same question, and a harvest meets few distinct headings
    ("Disc 1", "Live At ..."), so the answers are kept."""
    return tuple((kind, name) for pattern, kind, name in HEADING_RULES if pattern.search(heading))


# What a signal with nothing to read says (no credits, no heading); never changed.
_SILENT = _Clue()


def from_heading(heading):
    clue = _Clue()
    if heading:
        for kind, name in _heading_shows(heading):
            clue.show(kind, name)
    return clue


def detect(title, credits=(), heading=None):
    """The :class:`Version` of one track from its title, its credits (objects with ``role``
    and ``display_name``, e.g. :class:`~discogs_harvest.items.CreditItem`) and the heading it
    sits under."""
    if not credits and not heading and not (title or "").rstrip().endswith((")", "]")):
        return NOTHING  # no signal can say anything: no credits, no heading, no trailing group
    clues = {CREDITS: from_credits(credits) if credits else _SILENT, MARKER: from_markers(title),
             HEADING: from_heading(heading) if heading else _SILENT}
    found = {}
    for signal in ORDER["version"]:
        if clues[signal].version is not None:
            found.update(version=clues[signal].version, version_signal=signal)
            break
    for kind, column in (("remix", "is_remix"), ("live", "is_live"), ("edit", "is_edit")):
        for signal in ORDER[kind]:
            if getattr(clues[signal], kind):
                found.update({column: True, f"{kind}_signal": signal})
                if kind == "remix":
                    found["remixer"] = clues[signal].remixer
                break
    return Version(**found) if found else NOTHING  # a heading that names no version: the shared value


# --- a whole tracklist ------------------------------------------------------------------------

_POSITION_PART = re.compile(r"\d+|[^\W\d_]+")
_RANGE = re.compile(r"\s+to\s+", re.IGNORECASE)


def position_key(position):
    """``"1-5.7"`` -> ``((0, 1), (0, 5), (0, 7))``: positions compared part by part, numbers as numbers."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.upper())
                 for part in _POSITION_PART.findall(position or ""))


def track_scope(tracks):
    """A credit's ``tracks`` ("A1, B2", "1-1 to 1-5.7") as ``(positions, ranges)``: the positions
    named (casefolded) and the ``(first, last)`` position keys of each range."""
    named, ranges = set(), []
    for part in (tracks or "").split(","):
        ends = [end.strip() for end in _RANGE.split(part.strip(), maxsplit=1)]
        if len(ends) == 1 and ends[0]:
            named.add(ends[0].casefold())
        elif len(ends) == 2 and all(ends):
            ranges.append((position_key(ends[0]), position_key(ends[1])))
    return named, ranges


def in_scope(scope, position, key):
    named, ranges = scope
    return position.strip().casefold() in named or any(first <= key <= last for first, last in ranges)


def names_track(tracks, position):
    """Whether a credit's ``tracks`` names ``position``."""
    if not tracks or not position:
        return False
    return in_scope(track_scope(tracks), position, position_key(position))


def tells_version(credit):
    """Whether one of the credit's roles is in :data:`CREDIT_RULES`."""
    return any(pattern.search(role) for role in credit_roles(getattr(credit, "role", None))
               for pattern, _, _ in CREDIT_RULES)


def tracklist_versions(tracks, release_credits=()):
    """One :class:`Version` (or None for headings and index rows) per
    :class:`~discogs_harvest.items.TrackItem` of a release, in order."""
    # The release's credits that name tracks and tell a version, their scope read once.
    scoped = [(credit, track_scope(credit.tracks)) for credit in release_credits or ()
              if getattr(credit, "tracks", None) and tells_version(credit)]
    heading = None
    versions = []
    for track in tracks:
        if track.type == "heading":
            heading = track.title
        if track.type in ("heading", "index"):
            versions.append(None)
            continue
        credits = track.credits or ()
        if scoped and track.position:
            key = position_key(track.position)
            credits = [*credits, *(credit for credit, scope in scoped if in_scope(scope, track.position, key))]
        versions.append(detect(track.title, credits, heading))
    return versions
