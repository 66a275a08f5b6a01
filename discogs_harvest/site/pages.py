"""The site's pages from collected data (:mod:`.collect`): pure functions, no database, no files.

A :class:`Page` is a path under the output folder, the template that renders it and the
front matter it carries (plain lists and dicts, YAML-ready). Pages:

- ``content/albums/<release id>-<artist-title slug>.md``: artist, title, year, label, catno,
  formats, genres, styles, tracklist (with durations), credits, videos, links (Discogs, and
  Apple Music/Spotify when a confident match is stored), cover image path, the seller's
  prices when the site is a seller's, Apple Music's editorial notes.
- ``content/artists/<artist id>-<name slug>.md``: name, biography (Wikipedia's extract, else
  the Discogs profile), image, aliases, members, the albums of the collection credited to it.
- ``content/{styles,genres,years,labels}/<slug>.md``: the albums of one style, genre, year,
  label; ``_index.md`` of every section lists its pages (the album index lists every album).
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field

from discogs_harvest.artwork import album_slug, artist_slug, image_path, slugify
from discogs_harvest.enrich.wikipedia import page_title

VARIOUS_ARTIST_ID = 194
IMAGES_URL = "/images"


@dataclass
class Page:
    path: str
    template: str
    front_matter: dict
    body: dict = field(default_factory=dict)  # what the template may use besides the front matter
    images: list = field(default_factory=list)  # IMAGES_STORE-relative files the page shows


def _clean(value):
    return value if value not in ("", None) else None


def _credit_name(row):
    return row["display_name"] or row["anv"] or row["name"]


def album_artists(album):
    """Release-level artists with a Discogs page of their own: ``[(id, name)]``."""
    return [(str(a["artist_id"]), a["name"]) for a in album["artists"]
            if a["track_sequence"] is None and (a["artist_id"] or 0) > 0 and a["artist_id"] != VARIOUS_ARTIST_ID]


def album_cover(album, available):
    """The IMAGES_STORE-relative cover: Apple Music's artwork when matched and downloaded, else Discogs'."""
    slug = album_slug(album["discogs_release_id"], album["artist"], album["title"])
    for source in ("apple_music", "discogs"):
        path = image_path("albums", slug, source)
        if path in available:
            return path
    return None


def artist_image(artist_id, name, available):
    slug = artist_slug(artist_id, name)
    for source in ("wikipedia", "discogs"):
        path = image_path("artists", slug, source)
        if path in available:
            return path
    return None


def album_page(album, available, seller=None):
    release_id = album["discogs_release_id"]
    slug = album_slug(release_id, album["artist"], album["title"])
    tracklist = []
    for track in album["tracks"]:
        if track.get("type") not in (None, "track", "sub_track"):
            continue
        tracklist.append({"position": _clean(track["position"]), "title": track["title"],
                          "duration": _clean(track["duration"]), "duration_seconds": track["duration_seconds"]})
    positions = {t["sequence"]: t["position"] for t in album["tracks"]}
    credits = [{"name": _credit_name(c), "role": _clean(c["role"]),
                "tracks": _clean(c["tracks"]) or (positions.get(c["track_sequence"]) if c["track_sequence"] is not None
                                                  else None)}
               for c in album["credits"]]
    formats = [{"name": f["name"], "qty": f["qty"], "descriptions": _descriptions(f["descriptions"]),
                "text": _clean(f["text"])} for f in album["formats"]]
    first_label = album["labels"][0] if album["labels"] else None
    matches = album["matches"]
    links = {"discogs": album["resource_url"] or f"https://www.discogs.com/release/{release_id}"}
    for service in ("apple_music", "spotify"):
        if service in matches and matches[service]["url"]:
            links[service] = matches[service]["url"]
    cover = album_cover(album, available)
    front = {
        "title": album["title"],
        "artist": album["artist"],
        "artists": [{"id": int(i), "name": n, "page": f"/artists/{artist_slug(i, n)}/"} for i, n in album_artists(album)],
        "discogs_id": int(release_id),
        "year": album["released_year"] or None,
        "released": _clean(album["released"]),
        "country": _clean(album["country"]),
        "label": first_label["display_name"] or first_label["name"] if first_label else _clean(album["label"]),
        "catno": first_label["catno"] if first_label else _clean(album["catalog_number"]),
        "labels": [{"name": l["display_name"] or l["name"], "catno": l["catno"]} for l in album["labels"]],
        "formats": formats,
        "genres": album["genres"],
        "styles": album["styles"],
        "tracklist": tracklist,
        "credits": credits,
        "videos": [{"id": v["id"], "title": v["title"], "url": v["url"]} for v in album["videos"]],
        "links": links,
        "cover_image": f"{IMAGES_URL}/{cover}" if cover else None,
    }
    if seller:
        front["prices"] = [{"listing_id": l["listing_id"], "price": l["price"], "currency": l["currency"],
                            "condition": l["condition"], "sleeve_condition": l["sleeve_condition"],
                            "url": l["item_url"]} for l in album["listings"]]
    front["editorial_notes"] = matches["apple_music"]["notes"] if "apple_music" in matches else None
    return Page(f"content/albums/{slug}.md", "album.md.j2", front, {"notes": album["notes"]},
                [cover] if cover else [])


def _descriptions(value):
    try:
        parsed = json.loads(value) if value else []
    except ValueError:
        return [value]
    return parsed if isinstance(parsed, list) else [parsed]


def summary(page):
    """How an index lists an album page."""
    front = page.front_matter
    return {"title": front["title"], "artist": front["artist"], "year": front["year"],
            "page": "/" + page.path.removeprefix("content/").removesuffix(".md") + "/", "cover_image": front["cover_image"]}


def artist_pages(albums, album_pages, wikipedia, profiles, available):
    credited = defaultdict(list)
    names = {}
    for album in albums.values():
        for artist_id, name in album_artists(album):
            if album_pages[album["discogs_release_id"]] not in credited[artist_id]:
                credited[artist_id].append(album_pages[album["discogs_release_id"]])
            names.setdefault(artist_id, name)
    pages = []
    for artist_id in sorted(credited, key=int):
        name = names[artist_id]
        wiki = wikipedia.get(artist_id)
        profile = profiles.get(artist_id, {})
        image = artist_image(artist_id, name, available)
        front = {
            "title": page_title(name),  # "Persuader, The (2)" -> "The Persuader"
            "discogs_id": int(artist_id),
            "biography": (wiki or {}).get("notes") or _clean(profile.get("profile")),
            "wikipedia": (wiki or {}).get("url"),
            "image": f"{IMAGES_URL}/{image}" if image else None,
            "artist_aliases": entity_names(profile.get("aliases")),  # "aliases" is Hugo's redirect key
            "members": entity_names(profile.get("members")),
            "discography": [summary(p) for p in credited[artist_id]],
        }
        pages.append(Page(f"content/artists/{artist_slug(artist_id, name)}.md", "artist.md.j2", front, {},
                          [image] if image else []))
    return pages


def entity_names(entries):
    """Display names of the ``artists`` table's aliases or members (JSON lists of ``{id, name}``
    as the API sends them; plain names pass through)."""
    names = [entry.get("name") if isinstance(entry, dict) else entry for entry in entries or ()]
    return [page_title(name) for name in names if name]


def index_pages(album_pages_in_order, albums):
    """Pages by style, genre, year and label, and each section's ``_index.md``."""
    groups = {"styles": defaultdict(list), "genres": defaultdict(list), "years": defaultdict(list),
              "labels": defaultdict(list)}
    for page in album_pages_in_order:
        front = page.front_matter
        for style in front["styles"]:
            groups["styles"][style].append(page)
        for genre in front["genres"]:
            groups["genres"][genre].append(page)
        if front["year"]:
            groups["years"][str(front["year"])].append(page)
        for label in dict.fromkeys(l["name"] for l in front["labels"] if l["name"]):
            groups["labels"][label].append(page)
    pages = [Page("content/albums/_index.md", "index.md.j2",
                  {"title": "Albums", "index_of": "albums", "albums": [summary(p) for p in album_pages_in_order]})]
    singular = {"styles": "style", "genres": "genre", "years": "year", "labels": "label"}
    for section, members in groups.items():
        listed, taken = [], set()
        for name in sorted(members):
            slug = slugify(name)
            while slug in taken:  # "Fania" and "FANIA": two names, two pages
                slug += "-2"
            taken.add(slug)
            pages.append(Page(f"content/{section}/{slug}.md", "index.md.j2",
                              {"title": name, "index_of": singular[section], "albums": [summary(p) for p in members[name]]}))
            listed.append({"title": name, "page": f"/{section}/{slug}/", "count": len(members[name])})
        pages.append(Page(f"content/{section}/_index.md", "index.md.j2",
                          {"title": section.capitalize(), "index_of": section, "pages": listed}))
    return pages


def site_pages(data, available, seller=None):
    """Every page of the site, albums first."""
    albums = data["albums"]
    by_release = {release_id: album_page(album, available, seller) for release_id, album in albums.items()}
    ordered = list(by_release.values())
    artists = artist_pages(albums, by_release, data["wikipedia"], data["profiles"], available)
    artists_index = Page("content/artists/_index.md", "index.md.j2", {
        "title": "Artists", "index_of": "artists",
        "pages": [{"title": p.front_matter["title"], "page": "/" + p.path[8:-3] + "/",
                   "count": len(p.front_matter["discography"])} for p in artists]})
    return ordered + artists + [artists_index] + index_pages(ordered, albums)
