"""Field clean-up for Discogs API values: small pure functions, no Scrapy, no I/O.

Loaders in :mod:`discogs_harvest.loaders` wire these to item fields. Each function
takes one raw value as the API (or a data dump) gives it and returns the value we
store, or ``None`` when the input carries no information ("", 0 years, ``{}``
prices, unparsable text). Facts about the shapes come from
``discogs-api-samples/API_FACTS.md`` sections 4 and 5.
"""

import datetime
import html
import math
import re
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

# --- generic scalars ----------------------------------------------------------


def clean_text(value):
    """Strip surrounding whitespace; ``""`` and non-strings become ``None``."""
    if value.__class__ is str or isinstance(value, str):  # the first test: the usual case, cheaper
        return value.strip() or None
    return None


def unescape_text(value):
    """Free text with HTML entities decoded (listing comments carry ``&amp;``).

    The text is otherwise kept as written; blank text is ``None``.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    return html.unescape(value)


def clean_notes(value):
    """Release notes exactly as written (Discogs markup, ``\\r\\n`` line breaks); blank is ``None``."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value


_INTEGER = re.compile(r"[+-]?[0-9]+")


def to_int(value):
    """An ``int`` from an int or a numeric string; ``None`` for anything else."""
    if value is None:
        return None
    if value.__class__ is int:  # the usual case (a bool's class is bool), before the general tests
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value)
    return None


def to_float(value):
    """A finite ``float`` from a number or a numeric string (``"99.4"``), else ``None``.

    ``lowest_price: null`` and ``shipping_price: {}`` (no ``value`` key) end here as ``None``.
    """
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def to_bool(value):
    """``True``/``False`` from a bool or the dumps' ``"true"``/``"false"`` strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "true":
            return True
        if text == "false":
            return False
    return None


_CURRENCY = re.compile(r"[A-Z]{3}")


def currency_code(value):
    """An ISO 4217 code (``"USD"``) upper-cased; anything else is ``None``."""
    text = clean_text(value)
    if text is None:
        return None
    text = text.upper()
    return text if _CURRENCY.fullmatch(text) else None


# A URL or ``None``: unauthenticated captures give ``""`` for every image URL. The clean-up is
# clean_text's; an alias, not a function calling it (a release has tens of URLs to clean).
clean_url = clean_text


def clean_catalog_number(value):
    """Catalog number, with Discogs' ``"none"`` placeholder (no catalog number) as ``None``."""
    text = clean_text(value)
    if text is None or text.lower() == "none":
        return None
    return text


def first_value(values):
    """Output processor: the first collected value that is not ``None``.

    Unlike ``TakeFirst`` it keeps ``""``: titles are stored verbatim and the
    ``title`` columns are NOT NULL.
    """
    for value in values:
        if value is not None:
            return value
    return None


def utc_timestamp(value):
    """A Discogs ISO-8601 time (``"2019-04-03T09:43:04-07:00"``) as UTC ``YYYY-MM-DD HH:MM:SS``.

    The database's one timestamp form (:func:`discogs_harvest.models.utcnow`). A time without
    an offset (2014-era bodies) is taken as UTC; anything unparsable is ``None``.
    """
    text = clean_text(value)
    if text is None:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    moment = moment.replace(microsecond=0)
    if moment.year < 1000:  # isoformat pads the year to four digits, strftime's %Y does not
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.isoformat(" ")  # the same text, in a third less time (one per listing and release)


# --- years and durations ------------------------------------------------------


def clean_year(value):
    """A release year as ``int``; Discogs' ``0`` (unknown) and non-years are ``None``.

    Releases and listings give ints (``1987``, ``0``); search results give strings
    (``"1969"``).
    """
    year = to_int(value)
    if year is None or year <= 0:
        return None
    return year


_DURATION = re.compile(r"(?:(\d+):([0-5]\d)|(\d+):([0-5]\d):([0-5]\d))")


def duration_seconds(value):
    """Seconds in a Discogs duration string, or ``None``.

    Accepted: ``"m:ss"``, ``"mm:ss"``, minutes above 59 (``"148:00"``, seen in
    the dumps) and ``"h:mm:ss"``. ``""`` (very common), ``None`` and anything
    else are ``None``.
    """
    if not isinstance(value, str):
        return None
    return _duration_seconds(value)


# A dump's or a release's durations repeat ("3:45", ""): answers are cached per text.
@lru_cache(maxsize=4096)
def _duration_seconds(value):
    match = _DURATION.fullmatch(value.strip())
    if match is None:
        return None
    minutes, seconds, hours, h_minutes, h_seconds = match.groups()
    if minutes is not None:
        return int(minutes) * 60 + int(seconds)
    return int(hours) * 3600 + int(h_minutes) * 60 + int(h_seconds)


def clean_duration(value):
    """The duration text as Discogs shows it (``tracks.duration``), only if it parses.

    The text is kept as given (``"148:00"`` is not rewritten as ``"2:28:00"``);
    ``""`` and garbage become ``None`` (NULL).
    """
    if duration_seconds(value) is None:
        return None
    return value.strip()


# --- names and credits --------------------------------------------------------

_NAME_SUFFIX = re.compile(r"\s\(\d+\)\Z")


def strip_name_suffix(value):
    """A display name without Discogs' disambiguation suffix.

    ``"John Cameron (2)"`` -> ``"John Cameron"``, ``"Ascension Records (5)"`` ->
    ``"Ascension Records"``. Only a trailing ``" (<digits>)"`` is removed.
    """
    if not isinstance(value, str):
        return None
    return _strip_name_suffix(value)


@lru_cache(maxsize=8192)
def _strip_name_suffix(value):
    text = value.strip()
    if not text:
        return None
    return _NAME_SUFFIX.sub("", text)


_OLD_ARTICLE = re.compile(r"\A(.+), (The)\Z")


def display_name(value):
    """A canonical name as Discogs shows it: no ``" (n)"`` suffix, and the old sort form
    ``"Persuader, The"`` as ``"The Persuader"`` (API_FACTS.md §5: older data, and the docs'
    example, use that form; the 2020 dump has "The Persuader")."""
    if not isinstance(value, str):
        return None
    return _display_name(value)


@lru_cache(maxsize=8192)  # a dump names the same artists and labels over and over
def _display_name(value):
    text = strip_name_suffix(value)
    if text is None:
        return None
    return _OLD_ARTICLE.sub(r"\2 \1", text)


def artist_display_name(artist):
    """One ``artists[]`` entry as credited: its ``anv``, else :func:`display_name` of its name."""
    if not isinstance(artist, dict):
        return None
    return clean_text(artist.get("anv")) or display_name(artist.get("name"))


# Inside a display string, a suffix or an ANV marker ends a name when a join
# word, a comma or the end of the string follows it.
_CREDIT_SUFFIX = re.compile(r" \(\d+\)(?=\*?(?:\Z|[ ,]))")
_CREDIT_ANV_MARK = re.compile(r"\*(?=\Z|[ ,])")


def clean_credit_text(value):
    """A listing's ready-made artist string (``release.artist``) cleaned like our credits.

    Listings show artists as one display string with the canonical names'
    ``" (n)"`` suffixes and an ``*`` after names credited under a variation
    (``"Alexander Courage / John Williams (4)"``, ``"Dee Dee*, Barry And The
    Movements*"``). Both markers are dropped, so the text matches what
    :func:`artist_credit` builds from a release's ``artists[]``
    (``"Alexander Courage / John Williams"``, ``"Dee Dee, Barry And The Movements"``).
    """
    text = clean_text(value)
    if text is None:
        return None
    return _OLD_ARTICLE.sub(r"\2 \1", _CREDIT_ANV_MARK.sub("", _CREDIT_SUFFIX.sub("", text)))


def artist_credit(artists):
    """The credit line Discogs renders from ``artists[]`` (``{name, anv, join}``).

    - each artist is shown as its ``anv`` (name as credited) when non-empty,
      else its ``name`` without the ``" (n)"`` suffix;
    - the ``join`` of an artist links it to the next one: ``","`` gives
      ``"A, B"``, any other join is surrounded by spaces (``"A & B"``,
      ``"A vs B"``, ``"A / B"``, ``"A with the B"``); a missing join between two
      artists is rendered as ``", "``;
    - the join on the last (or only) artist is ignored: 249504 has
      ``{"name": "Rick Astley", "join": ","}``;
    - ``"Various"`` (compilations) is kept as is.

    Returns ``None`` for an empty or missing list.
    """
    parts = []
    pending_join = None
    for artist in artists or ():
        if not isinstance(artist, dict):
            continue
        name = artist_display_name(artist)
        if name is None:
            continue
        if parts:
            parts.append(_render_join(pending_join))
        parts.append(name)
        pending_join = clean_text(artist.get("join"))
    return "".join(parts) or None


def _render_join(join):
    if join is None or join == ",":
        return ", "
    return f" {join} "


# --- formats, images ----------------------------------------------------------


def format_text(formats):
    """The format line for a release, from ``formats[]`` ``{name, qty, descriptions, text}``.

    One entry renders as Discogs' release page does: the name, then its
    descriptions, then the free text, comma separated: ``"Vinyl, LP, Album,
    Reissue, Gatefold"``; ``"CD"`` when there are no descriptions (1161277).

    - ``qty`` (a string) above 1 is a prefix: ``"2 × Vinyl, LP, Gatefold"``;
      a missing or unparsable qty counts as 1.
    - Several entries are joined with ``" + "``, as listings show them
      (``"LP, Album, RE + 7\\", RE"``), in the order given.
    - Consecutive identical entries are merged and their quantities added, so
      the 12-entry box set 2370027 reads ``"Box Set, Compilation + 9 × Vinyl,
      LP, Album, Reissue + Vinyl, LP + Vinyl, 12\\", Compilation"``.

    Returns ``None`` when nothing is left.
    """
    merged = []  # [qty, text]
    for entry in formats or ():
        if not isinstance(entry, dict):
            continue
        words = [clean_text(entry.get("name"))]
        words += [clean_text(d) for d in entry.get("descriptions") or ()]
        words.append(clean_text(entry.get("text")))
        text = ", ".join(w for w in words if w)
        if not text:
            continue
        qty = to_int(entry.get("qty"))
        qty = qty if qty and qty > 0 else 1
        if merged and merged[-1][1] == text:
            merged[-1][0] += qty
        else:
            merged.append([qty, text])
    return " + ".join(f"{q} × {t}" if q > 1 else t for q, t in merged) or None


def cover_image_url(images):
    """The ``uri`` of the image typed ``"primary"``, else of the first image.

    Unauthenticated responses carry ``""`` URLs (249504, 2024): those give ``None``.
    """
    images = [image for image in images or () if isinstance(image, dict)]
    if not images:
        return None
    primary = next((image for image in images if image.get("type") == "primary"), images[0])
    return clean_url(primary.get("uri"))


# --- YouTube videos -----------------------------------------------------------

_YOUTUBE_HOSTS = {"youtube.com", "m.youtube.com", "music.youtube.com", "youtube-nocookie.com"}
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_PATH_FORMS = ("embed", "v", "shorts", "live")


# The form Discogs sends for nearly every video; anything else takes the general path.
_PLAIN_WATCH_URL = re.compile(r"https?://(?:www\.)?youtube\.com/watch\?v=([A-Za-z0-9_-]{11})")


def youtube_id(url):
    """The 11-character video id of a YouTube URL, or ``None``.

    Forms: ``youtube.com/watch?v=ID`` (with other parameters anywhere),
    ``youtu.be/ID``, ``youtube.com/embed/ID`` (also ``/v/``, ``/shorts/``,
    ``/live/``), with or without ``www.``/``m.`` and scheme. Non-video YouTube
    URLs (``/user/...``) and other hosts are ``None``.

    A release's videos are read twice (:func:`numbered_videos`, then the loader), so
    answers are cached per URL text.
    """
    if not isinstance(url, str):
        return None
    return _youtube_id(url)


@lru_cache(maxsize=4096)
def _youtube_id(url):
    text = clean_text(url)
    if text is None:
        return None
    plain = _PLAIN_WATCH_URL.fullmatch(text)
    if plain is not None:
        return plain.group(1)
    return _parsed_youtube_id(text)


def _parsed_youtube_id(text):
    """:func:`youtube_id` of stripped text, by its parts (every form)."""
    if "//" not in text:
        text = "//" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").lower().removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    candidate = None
    if host == "youtu.be":
        candidate = segments[0] if segments else None
    elif host in _YOUTUBE_HOSTS:
        if segments == ["watch"]:
            candidate = (parse_qs(parts.query).get("v") or [None])[0]
        elif len(segments) >= 2 and segments[0] in _PATH_FORMS:
            candidate = segments[1]
    if candidate and _YOUTUBE_ID.fullmatch(candidate):
        return candidate
    return None


def numbered_videos(videos):
    """The videos to store, each with a 0-based ``order_index`` (release order).

    Videos without a YouTube id are left out (``youtube_videos.id`` is the id),
    and so is a repeat of an id already listed, since ``album_videos`` is keyed
    by (album, video). ``videos`` absent (1161277, 2370027) gives ``[]``.
    """
    kept, seen = [], set()
    for video in videos or ():
        if not isinstance(video, dict):
            continue
        video_id = youtube_id(video.get("uri"))
        if video_id is None or video_id in seen:
            continue
        seen.add(video_id)
        kept.append({**video, "order_index": len(kept)})
    return kept


# --- tracklists ---------------------------------------------------------------

# A vinyl/cassette side: one upper-case letter, or a doubled one ("AA" for a
# double A-side), followed by nothing, a track number, a dot or a sub-track letter.
_SIDE = re.compile(r"([A-Z])\1?(?=\Z|[0-9.]|[a-z])")


def track_side(position):
    """The side of a track from its position, for sided media, else ``None``.

    ``"A1"`` -> ``"A"``, ``"B2"`` -> ``"B"``, ``"A"`` -> ``"A"``, ``"AA1"`` ->
    ``"AA"``, ``"C3"`` -> ``"C"``, ``"A1a"`` -> ``"A"``.
    ``None`` for CD/digital positions (``"1"``, ``"1-5"``, ``"CD-1"``,
    ``"1-5.1"``, ``""``) and for lower-case letters, which Discogs uses for
    parts of a track, not sides (565473 is a CD whose track 13 has parts
    ``"a"`` .. ``"d"``).
    """
    if not isinstance(position, str):
        return None
    return _track_side(position)


@lru_cache(maxsize=4096)  # positions repeat from release to release ("A1", "B2", "3")
def _track_side(position):
    text = position.strip()
    if not text:
        return None
    match = _SIDE.match(text)
    return match.group(0) if match else None


# How an index track's title is kept: as a prefix of each sub-track's title,
# "<index title>: <sub-track title>", the way beets' discogs plugin names them
# with index_tracks enabled (beets docs, plugins/discogs.rst: "Messiah, Part I:
# No.1: Sinfony"). Sub-track titles like "2. Strophe" mean little alone.
INDEX_TITLE_SEPARATOR = ": "


def flatten_tracklist(tracklist):
    """Every row of ``tracklist[]``, in order, as flat dicts with their ``type``.

    - ``type_ "track"`` rows are playable tracks (``type "track"``); their own
      ``sub_tracks`` (parts of one track such as a medley's ``A1a``/``A1b``) follow
      them as ``type "sub_track"`` rows;
    - ``type_ "index"`` rows (1161277) are kept as ``type "index"`` (title and the
      index's own duration, e.g. a side-long suite's 19:43) and followed by their
      ``sub_tracks`` as playable ``"track"`` rows; each sub-track title gets the index
      title as a prefix (see :data:`INDEX_TITLE_SEPARATOR`), and a sub-track without
      ``artists`` takes the index row's for its display credit;
    - ``type_ "heading"`` rows (565473, 4707982) are section titles (``type "heading"``).
      A missing ``type_`` counts as a track (an index when it has ``sub_tracks``).

    Each row is ``{"sequence", "type", "parent_sequence", "position", "title", "duration",
    "artists", "own_artists", "extraartists"}`` with a running 0-based ``sequence`` over
    all rows; ``artists`` is what the display credit uses (inherited for sub-tracks),
    ``own_artists`` the row's own list as sent.
    """
    rows = []
    for entry in tracklist or ():
        if not isinstance(entry, dict):
            continue
        subs = entry.get("sub_tracks")
        kind = entry.get("type_") or ("index" if subs else "track")
        if kind != "track" and kind != "heading" and kind != "index":
            kind = "track"
        parent = len(rows)
        rows.append(_track_row(entry, parent, None, None, kind, None))
        if not subs:  # most rows
            continue
        if kind == "index":
            prefix, sub_kind, inherited = clean_text(entry.get("title")), "track", entry.get("artists")
        else:
            prefix, sub_kind, inherited = None, "sub_track", None
        for sub in subs:
            if isinstance(sub, dict):
                rows.append(_track_row(sub, len(rows), prefix, inherited, sub_kind, parent))
    return rows


def _track_row(entry, sequence, prefix, inherited_artists, kind, parent):
    get = entry.get
    title = get("title")
    if prefix:
        title = f"{prefix}{INDEX_TITLE_SEPARATOR}{title}" if clean_text(title) else prefix
    own, extra = get("artists"), get("extraartists")
    if own.__class__ is not list and not isinstance(own, list):
        own = []
    if extra.__class__ is not list and not isinstance(extra, list):
        extra = []
    return {
        "sequence": sequence,
        "type": kind,
        "parent_sequence": parent,
        "position": get("position"),
        "title": title,
        "duration": get("duration"),
        "artists": own or inherited_artists or [],
        "own_artists": own,
        "extraartists": extra,
    }
