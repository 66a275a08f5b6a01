"""Deterministic synthetic Discogs data, shaped like the recorded samples.

A release is described first by its *core*: what an inventory listing shows
(display artist, title, format string, year, label, catalog number, images,
community have/want) plus its genres and styles. :func:`release_body` grows the
core into a full ``/releases/{id}`` body and :func:`listing_release` shrinks it
into a listing's ``release`` summary, so the two always agree.

Cores come from two places: :func:`synthetic_core` invents one from a release id
(ids from ``SYNTHETIC_BASE``), :func:`core_from_summary` starts from a recorded
listing's release summary (brotherlogic's releases were never recorded). Every
random choice is drawn from ``random.Random`` seeded with a string naming what is
drawn, so a release id always yields the same bytes, in any process.

The quirks of real data are reproduced on purpose (API_FACTS.md §4, §5): year 0
without ``released``, absent ``styles``/``videos``/``master_id``, null
``lowest_price``, heading rows and index tracks with ``sub_tracks``, trailing
artist joins, ANVs shown with ``*``, ``" (n)"`` name suffixes, "Various".
"""

import base64
import bisect
import hashlib
import itertools
import random
import re
import zlib

SYNTHETIC_BASE = 90_000_000
SYNTHETIC_END = 100_000_000
VARIOUS_ID = 194



class Weighted:
    """A weighted choice whose cumulative weights are worked out once."""

    def __init__(self, pairs):
        pairs = list(pairs.items() if isinstance(pairs, dict) else pairs)
        self.items = [item for item, _ in pairs]
        self.cumulative = list(itertools.accumulate(weight for _, weight in pairs))

    def __call__(self, r: random.Random):
        return self.items[bisect.bisect(self.cumulative, r.random() * self.cumulative[-1])]


# genre -> weight; "latin" is the profile of SecretSpot.Records' releases.
PROFILES = {
    "default": {"Rock": 24, "Electronic": 18, "Jazz": 16, "Latin": 20, "Funk / Soul": 10, "Pop": 6,
                "Hip Hop": 3, "Folk, World, & Country": 3},
    "latin": {"Latin": 70, "Jazz": 12, "Funk / Soul": 8, "Electronic": 5, "Rock": 5},
}
PROFILES = {name: Weighted(genres) for name, genres in PROFILES.items()}
STYLES = {
    "Rock": ["Psychedelic Rock", "Garage Rock", "Indie Rock", "Prog Rock", "Punk", "Krautrock"],
    "Electronic": ["Ambient", "Downtempo", "House", "Techno", "Synth-pop", "Latin", "Electro"],
    "Jazz": ["Soul-Jazz", "Hard Bop", "Latin Jazz", "Bossa Nova", "Fusion", "Free Jazz", "Latin"],
    "Latin": ["Latin", "Salsa", "Cumbia", "Bossa Nova", "Boogaloo", "Son", "Bolero", "MPB", "Latin Jazz"],
    "Funk / Soul": ["Funk", "Soul", "Disco", "Boogaloo", "Rhythm & Blues"],
    "Pop": ["Ballad", "Vocal", "Chanson", "Europop"],
    "Hip Hop": ["Boom Bap", "Instrumental", "Conscious"],
    "Folk, World, & Country": ["Folk", "Afrobeat", "Country", "Highlife"],
}
FORMATS = Weighted([('7", Single', 14), ('7"', 10), ("LP, Album", 12), ("CD, Album", 9), ('7", RE', 4), ("LP", 4),
           ("Cass, Album", 3), ("LP, Album, RE", 3), ("CD, Comp", 3), ("2xLP, Comp", 2), ("2xLP, Album", 2),
           ('12", EP', 2), ('10", Album', 1), ("2xCD, Album, RE, RM", 1), ("LP, Album, RE + 7\", RE", 1)])
FIRST = ["Ray", "Dee Dee", "Carmen", "Piero", "Letta", "Sonny", "Marisa", "Eddie", "Lorez", "Byrdie", "Joe",
         "Celia", "Tito", "Astrud", "Willie", "Ana", "Lucho", "Gal", "Rubén", "Nina"]
LAST = ["Barretto", "Gilberto", "Colón", "Bermúdez", "Cotten", "Alexander", "McRae", "Jefferson", "Mbulu",
        "Green", "Lubin", "Moorhouse", "Santos", "Rivera", "Palmieri", "Costa", "Mansfield", "Brown"]
BAND = ["The Explorers", "Los Brasilios", "Orquesta Aragón", "The Dap-Kings", "Conjunto Clásico",
        "Astra Nova Orchestra", "The Unity Troupe", "Los Corraleros", "The Soul Generation", "Trio Matamoros",
        "La Sonora Dinamita", "The Groovers", "Grupo Niche", "The Movements"]
WORDS = ["Luna", "Noche", "Fire", "Sol", "River", "Descarga", "Moon Skin", "Tropical", "Sunset", "Dance",
         "Bahia", "Soul", "Cumbia", "Midnight", "Street", "Fiesta", "Dreams", "Mambo", "Echoes", "Amor", "Rain"]
LABELS = ["Fania", "Discos Fuentes", "Tropical Records", "Blue Note", "Easy Tempo", "Mr Bongo", "Vampisoul",
          "Soundway", "Strut", "Light In The Attic", "Numero Group", "Sonido Records", "Codiscos", "Elenco"]
COUNTRIES = {"default": ["US", "UK", "Germany", "France", "Italy", "Japan", "Brazil", "Colombia"],
             "latin": ["Colombia", "Cuba", "Brazil", "Peru", "Venezuela", "Mexico", "Puerto Rico", "US"]}
QUALITY = Weighted([("Needs Vote", 5), ("Correct", 4), ("Complete and Correct", 1)])
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
VINYL = ('7"', '5"', '10"', '12"', "LP")
FORMAT_NAMES = {"CD": "CD", "CDr": "CDr", "Cass": "Cassette", "Box": "Box Set", "File": "File", "DVD": "DVD"}


def rng(*parts) -> random.Random:
    return random.Random(":".join(map(str, parts)))


def token(length: int, *parts) -> str:
    """A URL-safe string standing in for image signatures or a YouTube id."""
    digest = hashlib.shake_128(":".join(map(str, parts)).encode()).digest(length * 3 // 4 + 3)
    return base64.urlsafe_b64encode(digest).decode()[:length]


def entity_id(kind: str, name: str, low=10_000, high=9_000_000) -> int:
    """A stable id for an artist or label name, the same across releases."""
    return low + zlib.crc32(f"{kind}:{name}".encode()) % (high - low)


def profile_of(release_id: int) -> str:
    return "latin" if 98_000_000 <= release_id < 99_000_000 else "default"


def _genres(r: random.Random, profile: str):
    genres = [PROFILES[profile](r)]
    if r.random() < 0.35:
        second = PROFILES[profile](r)
        if second not in genres:
            genres.append(second)
    pool = [style for genre in genres for style in STYLES[genre]]
    styles = sorted(set(r.sample(pool, min(len(pool), r.randint(1, 3)))), key=pool.index)
    if "Latin" in genres and "Latin" not in styles and r.random() < 0.5:
        styles.insert(0, "Latin")
    return genres, (None if r.random() < 0.08 else styles)


def _display(artists) -> str:
    parts = []
    for i, artist in enumerate(artists):
        parts.append(artist["anv"] + "*" if artist["anv"] else artist["name"])
        join = artist["join"]
        if i < len(artists) - 1:
            parts.append(", " if join == "," else f" {join} ")
    return "".join(parts)


def _images(r: random.Random, release_id: int, count: int):
    signatures = token(86 * count, "images", release_id)  # one hash for all: 43 chars per URL
    images = []
    for n in range(count):
        big, small = signatures[86 * n:86 * n + 43], signatures[86 * n + 43:86 * n + 86]
        width, height = 600, r.choice((600, 600, 592, 520, 400, 309))
        path = f"R-{release_id}-{1500000000 + n}.jpeg"
        full = f"https://i.discogs.com/{big}/rs:fit/g:sm/q:90/h:{height}/w:{width}/{path}"
        images.append({"type": "primary" if n == 0 else "secondary", "uri": full, "resource_url": full,
                       "uri150": f"https://i.discogs.com/{small}/rs:fit/g:sm/q:40/h:150/w:150/{path}",
                       "width": width, "height": height})
    return images


def _head(r: random.Random):
    """The first draws of a synthetic core: what inventory sorts compare."""
    shape = r.random()
    if shape < 0.08:
        artists = [{"name": "Various", "anv": "", "join": "", "id": VARIOUS_ID}]
    else:
        artists = []
        for _ in range(1 if shape < 0.85 else 2):
            name = r.choice(BAND) if r.random() < 0.4 else f"{r.choice(FIRST)} {r.choice(LAST)}"
            if r.random() < 0.1:
                name += f" ({r.randint(2, 9)})"
            anv = name.split(" (")[0].replace("The ", "") if r.random() < 0.08 else ""
            artists.append({"name": name, "anv": "" if anv == name else anv, "join": r.choice(("/", "&", ",")),
                            "id": entity_id("artist", name)})
        artists[-1]["join"] = "," if r.random() < 0.3 else ""  # the trailing-join quirk of real data
    title = " ".join(r.sample(WORDS, r.randint(1, 3)))
    label = r.choice(LABELS)
    return {"artists": artists, "artist": _display(artists), "title": title, "label": label,
            "catalog_number": f"{label[:3].upper()} {r.randint(100, 9999)}"}


def sort_fields(release_id: int) -> dict:
    """Artist, title, label and catalog number of a synthetic release, cheaply."""
    return _head(rng("core", release_id))


def synthetic_core(release_id: int) -> dict:
    """Everything a listing shows about synthetic release ``release_id``."""
    profile = profile_of(release_id)
    r = rng("core", release_id)
    core = {"id": release_id, "profile": profile, **_head(r), "format": FORMATS(r),
            "year": 0 if r.random() < 0.05 else r.randint(1958, 2023)}
    core["images"] = _images(r, release_id, 0 if r.random() < 0.05 else r.randint(1, 6))
    core["have"] = int(r.lognormvariate(4, 1.3))
    core["want"] = int(core["have"] * r.uniform(0.1, 3))
    core["genres"], core["styles"] = _genres(r, profile)
    return core


# Where a listing's display artist ("Paul Raymond (3) Presents Fiona*") certainly joins two
# credits: " / " and ", ", or a join word right after a " (n)" suffix or an ANV's "*". A bare
# "&" or "And" stays inside the name: "Ray & His Court" is one act.
CREDIT_BOUNDARY = re.compile(r"( / |, |(?<=[)*]) (?:Presents|&|And|Featuring|Feat\.|With|Vs\.?|Meets) )")


def core_from_summary(summary: dict) -> dict:
    """The core of a recorded listing's release; what the listing lacks is drawn."""
    release_id = summary["id"]
    r = rng("core", release_id)
    artists = []
    credits = CREDIT_BOUNDARY.split(summary["artist"])
    for credit, sep in zip(credits[::2], credits[1::2] + [""]):
        name = credit.rstrip("*")
        artists.append({"name": name, "anv": name if credit.endswith("*") else "", "join": sep.strip(),
                        "id": VARIOUS_ID if name == "Various" else entity_id("artist", name)})
    genres, styles = _genres(r, "default")
    stats = summary.get("stats", {}).get("community", {})
    return {"id": release_id, "profile": "default", "artists": artists, "artist": summary["artist"],
            "title": summary["title"], "format": summary["format"], "year": summary["year"],
            "label": summary.get("label") or r.choice(LABELS), "catalog_number": summary["catalog_number"],
            "images": summary.get("images", []), "have": stats.get("in_collection", 0),
            "want": stats.get("in_wantlist", 0), "genres": genres, "styles": styles}


def listing_release(core: dict) -> dict:
    """The ``release`` object of an inventory listing (2025 key order)."""
    images = core["images"]
    return {"thumbnail": images[0]["uri150"] if images else "",
            "description": f"{core['artist']} - {core['title']} ({core['format']})",
            "images": images, "artist": core["artist"], "format": core["format"],
            "resource_url": f"https://api.discogs.com/releases/{core['id']}", "title": core["title"],
            "year": core["year"], "id": core["id"], "label": core["label"],
            "catalog_number": core["catalog_number"],
            "stats": {"community": {"in_wantlist": core["want"], "in_collection": core["have"]},
                      "user": {"in_wantlist": 0, "in_collection": 0}}}


def _formats(display: str):
    formats = []
    for entry in display.split(" + "):
        first, *descriptions = [part.strip() for part in entry.split(",")]
        qty, _, kind = first.rpartition("x") if re.match(r"^\d+x", first) else ("1", "", first)
        if kind in VINYL:
            formats.append({"name": "Vinyl", "qty": qty, "descriptions": [kind, *descriptions]})
        else:
            formats.append({"name": FORMAT_NAMES.get(kind, kind), "qty": qty, "descriptions": descriptions})
    return formats


def _duration(r: random.Random) -> str:
    return "" if r.random() < 0.3 else f"{r.randint(1, 9)}:{r.randint(0, 59):02d}"


def _tracklist(r: random.Random, core: dict, formats):
    first = formats[0]
    qty = int(first["qty"]) if first["qty"].isdigit() else 1
    words, artists = WORDS, core["artists"]
    various = artists[0]["id"] == VARIOUS_ID
    numbered = first["name"] in ("CD", "CDr")
    single = any(d in ('7"', '5"') for d in first["descriptions"])
    sides = [chr(65 + s) for s in range(2 * qty)]
    tracks = []
    for disc in range(qty if numbered else 1):
        per_part = r.randint(8, 14) if numbered else (r.randint(1, 2) if single else r.randint(3, 6))
        for part in ([disc] if numbered else sides):
            if not numbered and not single and r.random() < 0.15:
                tracks.append({"position": "", "type_": "heading", "title": f"Side {part}", "duration": ""})
            for n in range(1, per_part + 1):
                prefix = f"{disc + 1}-" if numbered and qty > 1 else ""
                position = f"{prefix}{n}" if numbered else (part if single and per_part == 1 else f"{part}{n}")
                track = {"position": position, "type_": "track", "title": " ".join(r.sample(words, r.randint(1, 3))),
                         "duration": _duration(r)}
                if various:
                    name = f"{r.choice(FIRST)} {r.choice(LAST)}"
                    artist_id = entity_id("artist", name)
                    track["artists"] = [{"name": name, "anv": "", "join": "", "role": "", "tracks": "", "id": artist_id,
                                         "resource_url": f"https://api.discogs.com/artists/{artist_id}"}]
                tracks.append(track)
    if numbered and len(tracks) > 4 and r.random() < 0.3:  # a suite: an index row holding sub_tracks,
        at = r.randint(1, len(tracks) - 3)  # which keep their positions (as in releases/1161277_*)
        tracks[at:at + 3] = [{"position": "", "type_": "index", "title": f"{r.choice(words)} Suite",
                              "duration": "", "sub_tracks": tracks[at:at + 3]}]
    return tracks


def _released(r: random.Random, year: int):
    if not year:
        return {}
    month, day, form = r.randint(1, 12), r.randint(1, 28), r.random()
    if form < 0.3:
        return {"released": str(year), "released_formatted": str(year)}
    if form < 0.6:
        return {"released": f"{year}-{month:02d}-00", "released_formatted": f"{MONTHS[month - 1]} {year}"}
    return {"released": f"{year}-{month:02d}-{day:02d}",
            "released_formatted": f"{day:02d} {MONTHS[month - 1]} {year}"}


def release_body(core: dict) -> dict:
    """A ``/releases/{id}`` body grown from ``core`` (2024 key order)."""
    release_id, r = core["id"], rng("release", core["id"])
    slug = re.sub(r"[\W_]+", "-", f"{core['artist']} {core['title']}").strip("-")
    artists = [{"name": a["name"], "anv": a["anv"], "join": a["join"], "role": "", "tracks": "", "id": a["id"],
                "resource_url": f"https://api.discogs.com/artists/{a['id']}"} for a in core["artists"]]
    label_id = entity_id("label", core["label"])
    formats = _formats(core["format"])
    quality = QUALITY(r)
    rated = r.randint(0, max(1, core["have"] // 5))
    body = {"id": release_id, "status": "Accepted", "year": core["year"],
            "resource_url": f"https://api.discogs.com/releases/{release_id}",
            "uri": f"https://www.discogs.com/release/{release_id}-{slug}", "artists": artists,
            "artists_sort": core["artist"].replace("*", ""),
            "labels": [{"name": core["label"], "catno": core["catalog_number"], "entity_type": "1",
                        "entity_type_name": "Label", "id": label_id,
                        "resource_url": f"https://api.discogs.com/labels/{label_id}"}],
            "series": [], "companies": [], "formats": formats, "data_quality": quality,
            "community": {"have": core["have"], "want": core["want"],
                          "rating": {"count": rated, "average": round(r.uniform(2.5, 5), 2) if rated else 0.0},
                          "submitter": {"username": "sandbox", "resource_url": "https://api.discogs.com/users/sandbox"},
                          "contributors": [], "data_quality": quality, "status": "Accepted"},
            "format_quantity": sum(int(f["qty"]) for f in formats if f["qty"].isdigit()),
            "date_added": f"20{r.randint(5, 19):02d}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T10:31:09-07:00",
            "date_changed": f"202{r.randint(0, 4)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T07:38:06-07:00"}
    priced = r.random() >= 0.15
    body["num_for_sale"] = r.randint(1, 40) if priced else 0
    body["lowest_price"] = round(r.uniform(0.75, 120), 2) if priced else None
    if r.random() < 0.6:
        master_id = 1_000_000 + release_id % 3_000_000
        body["master_id"] = master_id
        body["master_url"] = f"https://api.discogs.com/masters/{master_id}"
    body["title"] = core["title"]
    body["country"] = r.choice(COUNTRIES[core["profile"]])
    released = _released(r, core["year"])
    if "released" in released:
        body["released"] = released["released"]
    if r.random() < 0.4:
        body["notes"] = f"Recorded at {r.choice(LABELS)} Studios.\r\nSleeve: {r.choice(WORDS)} edition."
    if released:
        body["released_formatted"] = released["released_formatted"]
    body["identifiers"] = ([{"type": "Barcode", "value": str(r.randint(10**11, 10**12 - 1))}]
                           if r.random() < 0.5 else [])
    tracklist = _tracklist(r, core, formats)
    if r.random() >= 0.35:
        body["videos"] = [_video(r, core, tracklist, n) for n in range(r.randint(1, 7))]
    body["genres"] = core["genres"]
    if core["styles"] is not None:
        body["styles"] = core["styles"]
    body["tracklist"] = tracklist
    body["extraartists"] = []
    if core["images"]:
        body["images"] = core["images"]
    body["thumb"] = core["images"][0]["uri150"] if core["images"] else ""
    body["estimated_weight"] = 60 + 170 * body["format_quantity"]
    body["blocked_from_sale"] = False
    return body


def _video(r: random.Random, core: dict, tracklist, n: int) -> dict:
    titles = [t["title"] for t in tracklist if t["type_"] == "track"] or [core["title"]]
    title = f"{core['artist']} - {r.choice(titles)}"
    scheme = "http" if r.random() < 0.1 else "https"
    return {"uri": f"{scheme}://www.youtube.com/watch?v={token(11, 'video', core['id'], n)}", "title": title,
            "description": title, "duration": r.randint(90, 420), "embed": True}
