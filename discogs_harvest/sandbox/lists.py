"""The sandbox's paged lists besides inventories: collections, wantlists, label and artist
releases, master versions, database search, and the marketplace figures of a release.

Recorded (``data/<resource>/``, from the shared sample set) where a recording exists; else
synthetic, computed on demand so a list of any size costs nothing until its pages are read:

- users ``synthetic-<N>`` (public) and ``private-<N>`` (only the owner sees them: anyone else
  gets Discogs' 403 ``You don't have permission to access this resource.``): a collection of
  ``N`` instances (every tenth release owned twice, folders 1 and 2) and a wantlist of ``N``;
  the recorded users ``brotherlogic`` and ``Username`` serve their recorded entries.
- labels, artists and masters with an id of :data:`SYNTHETIC_ENTITY` + ``N``: the entity and a
  list of ``N`` releases (an artist's list alternates masters and releases, with roles).
- search: ``q=synthetic-<N>`` answers ``N`` release results; any other query the recorded
  results whose title contains it. Credentials are required (401 otherwise, API_FACTS.md §2)
  and no more than :data:`SEARCH_CAP` results are reachable: ``pages`` is capped, ``items``
  tells the truth (API_FACTS.md §3).

Pagination is the inventory's (:func:`~discogs_harvest.sandbox.catalog.page_urls`): per_page
default 50, clamped to 100, ``urls`` only where they apply, ``Page N is outside of valid range``
(404) past the end. Sort orders: ``sort``/``sort_order`` as the docs list them per resource.
"""

import json
import math
import re
from pathlib import Path

from discogs_harvest.sandbox import generator as gen
from discogs_harvest.sandbox.recorded import DATA_DIR
from discogs_harvest.sandbox.sellers import core_of

SYNTHETIC_ENTITY = 2_000_000_000  # ids above this are synthetic labels/artists/masters
SYNTHETIC_USER = re.compile(r"^(synthetic|private)-(\d+)$", re.IGNORECASE)
MAX_SYNTHETIC = 1_000_000
SEARCH_CAP = 10_000  # results reachable per search: 200 pages of 50 (API_FACTS.md §3)
NOT_FOUND = "The requested resource was not found."
NO_PERMISSION = "You don't have permission to access this resource."
FOLDER_MISSING = "The requested folder does not exist."
# Sort keys per resource (Discogs docs: collection, wantlist, label/artist releases, versions).
SORTS = {
    "collection": ("added", "label", "artist", "title", "catno", "format", "rating", "year"),
    "wants": ("added", "label", "artist", "title", "catno", "format", "rating", "year"),
    "releases": ("year", "title", "format"),
    "versions": ("released", "title", "format", "label", "catno", "country"),
}


class ListError(Exception):
    """An error answer: status and Discogs' message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


def _load(path):
    with Path(path).open(encoding="utf-8") as f:
        return json.load(f)


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _recorded(folder, key):
    """``{id or user: [entries in recorded order]}`` from ``data/<folder>/<id>_*.json``."""
    found = {}
    for path in sorted((DATA_DIR / folder).glob("*.json"), key=_page_of):
        body = _load(path)
        if isinstance(body, dict) and key in body:
            found.setdefault(path.stem.split("_", 1)[0].lower(), []).extend(body[key])
    return found


def _page_of(path):
    match = re.search(r"page(\d+)", path.stem)
    return (path.stem.split("_", 1)[0], int(match.group(1)) if match else 0)


def synthetic_size(user):
    match = SYNTHETIC_USER.match(user or "")
    if not match or int(match.group(2)) > MAX_SYNTHETIC:
        return None
    return match.group(1).lower(), int(match.group(2))


def release_id_of(index):
    return gen.SYNTHETIC_BASE + index


def basic_information(release_id):
    """A collection/wantlist entry's ``basic_information`` for a synthetic release."""
    core = core_of(release_id)
    thumb = core["images"][0]["uri150"] if core["images"] else ""
    return {"id": release_id, "master_id": 0, "master_url": None,
            "resource_url": f"https://api.discogs.com/releases/{release_id}", "thumb": thumb,
            "cover_image": core["images"][0]["uri"] if core["images"] else "", "title": core["title"],
            "year": core["year"], "formats": [{"name": "Vinyl", "qty": "1", "descriptions": [core["format"]]}],
            "labels": [{"name": core["label"], "catno": core["catalog_number"], "entity_type": "1",
                        "entity_type_name": "Label", "id": gen.entity_id("label", core["label"]),
                        "resource_url": "https://api.discogs.com/labels/1"}],
            "artists": [{"name": core["artist"], "anv": "", "join": "", "role": "", "tracks": "",
                         "id": gen.entity_id("artist", core["artist"]), "resource_url": ""}],
            "genres": core["genres"], "styles": core["styles"]}


def _added(index):
    day, second = divmod(index * 7919, 86_400)
    return f"20{10 + day % 14:02d}-{1 + day % 12:02d}-{1 + day % 28:02d}T{second // 3600:02d}:" \
           f"{second // 60 % 60:02d}:{second % 60:02d}-07:00"


class Lists:
    """Everything this module serves; the app's routes call these and get bytes."""

    def __init__(self, release_exists):
        self.release_exists = release_exists  # release id -> bool, from the catalog
        self.collections = _recorded("collection", "releases")
        self.folders = {user: body for user, body in
                        ((p.stem.split("_", 1)[0].lower(), _load(p)) for p in (DATA_DIR / "collection").glob("*_folders_*.json"))}
        self.wants = _recorded("wants", "wants")
        self.label_releases = _recorded("label_releases", "releases")
        self.artist_releases = _recorded("artist_releases", "releases")
        self.versions = _recorded("master_versions", "versions")
        self.search_results = [r for results in _recorded("search", "results").values() for r in results]
        self.stats = {int(k): v[0] for k, v in
                      ((p.stem.split("_", 1)[0], [_load(p)]) for p in (DATA_DIR / "marketplace_stats").glob("*.json"))
                      if k.isdigit()}
        self.suggestions = {int(p.stem.split("_", 1)[0]): _load(p)
                            for p in (DATA_DIR / "price_suggestions").glob("*.json")}

    def summaries(self):
        """``{release id: listing-style release summary}`` of every release the recorded lists
        name, so the catalog can grow a release body for each (none of them is recorded)."""
        found = {}
        for entries in [*self.collections.values(), *self.wants.values()]:
            for entry in entries:
                info = entry.get("basic_information") or {}
                labels = info.get("labels") or [{}]
                found.setdefault(info.get("id"), {
                    "id": info.get("id"), "artist": _credit(info.get("artists")), "title": info.get("title", ""),
                    "format": ", ".join([f.get("name", "") for f in info.get("formats") or ()]) or "Vinyl",
                    "year": info.get("year", 0), "label": labels[0].get("name"),
                    "catalog_number": labels[0].get("catno", ""), "images": []})
        for entries in [*self.label_releases.values(), *self.artist_releases.values(), *self.versions.values()]:
            for entry in entries:
                release_id = entry.get("main_release") if entry.get("type") == "master" else entry.get("id")
                found.setdefault(release_id, {
                    "id": release_id, "artist": entry.get("artist") or "Various", "title": entry.get("title", ""),
                    "format": entry.get("format") or "Vinyl", "year": _int(entry.get("year") or entry.get("released"), 0),
                    "label": entry.get("label"), "catalog_number": entry.get("catno", ""), "images": [],
                    "stats": entry.get("stats") or {}})
        for result in self.search_results:
            if result.get("type") == "release":
                found.setdefault(result["id"], {
                    "id": result["id"], "artist": result["title"].split(" - ", 1)[0],
                    "title": result["title"].split(" - ", 1)[-1], "format": ", ".join(result.get("format") or ()),
                    "year": _int(result.get("year"), 0), "label": (result.get("label") or [None])[0],
                    "catalog_number": result.get("catno", ""), "images": []})
        found.pop(None, None)
        return found

    # --- pages --------------------------------------------------------------------------

    @staticmethod
    def page(entries, key, query, base, cap=None, extra=None):
        """One page of ``entries`` (a sequence, or ``(count, make(index))``) as Discogs pages it."""
        from discogs_harvest.sandbox.catalog import page_urls

        params = dict(query)
        count, make = entries if isinstance(entries, tuple) else (len(entries), entries.__getitem__)
        per_page = min(100, max(1, _int(params.get("per_page"), 50)))
        page = _int(params.get("page"), 1)
        pages = max(1, math.ceil(count / per_page))
        if cap is not None:
            pages = min(pages, max(1, cap // per_page))
        if not 1 <= page <= pages:
            raise ListError(404, f"Page {page} is outside of valid range [1, {pages}].")
        pagination = {"page": page, "pages": pages, "per_page": per_page, "items": count,
                      "urls": page_urls(base, query, page, pages)}
        rows = [make(i) for i in range((page - 1) * per_page, min(count, page * per_page))]
        return json.dumps({"pagination": pagination, **(extra or {}), key: rows}).encode()

    @staticmethod
    def sorted_entries(entries, query, resource, key_of):
        params = dict(query)
        sort = params.get("sort")
        if sort not in SORTS[resource]:
            return entries
        return sorted(entries, key=lambda e: (str(key_of(e, sort) or "")),
                      reverse=params.get("sort_order", "asc").lower() == "desc")

    # --- users --------------------------------------------------------------------------

    def visible(self, user, viewer):
        """Raise unless ``viewer`` may read ``user``'s collection or wantlist."""
        synthetic = synthetic_size(user)
        known = user.lower() in self.collections or user.lower() in self.wants or user.lower() in self.folders
        if synthetic is None and not known:
            raise ListError(404, NOT_FOUND)
        if synthetic and synthetic[0] == "private" and (viewer or "").lower() != user.lower():
            raise ListError(403, NO_PERMISSION)
        return synthetic

    def collection_folders(self, user, viewer):
        synthetic = self.visible(user, viewer)
        if synthetic is None:
            recorded = self.folders.get(user.lower())
            if recorded:
                return json.dumps(recorded).encode()
            count = len(self.collections.get(user.lower(), ()))
            return json.dumps({"folders": [self._folder(user, 0, "All", count)]}).encode()
        size = synthetic[1]
        return json.dumps({"folders": [self._folder(user, 0, "All", size), self._folder(user, 1, "Uncategorized",
                                                                                         size - size // 2),
                                       self._folder(user, 2, "Keepers", size // 2)]}).encode()

    @staticmethod
    def _folder(user, folder_id, name, count):
        return {"id": folder_id, "name": name, "count": count,
                "resource_url": f"https://api.discogs.com/users/{user}/collection/folders/{folder_id}"}

    def synthetic_instance(self, user, index):
        """Instance ``index`` of a synthetic collection: release ``index - index // 10`` (so
        every tenth release is owned twice), folder 1 or 2 by parity."""
        release_id = release_id_of(index - (index + 9) // 10 if index else 0)
        folder = 1 + index % 2
        return {"id": release_id, "instance_id": 500_000_000 + index, "date_added": _added(index),
                "rating": index % 6, "basic_information": basic_information(release_id), "folder_id": folder,
                "notes": [{"field_id": 1, "value": "Near Mint (NM or M-)"},
                          {"field_id": 3, "value": f"shelf {index % 40}"}] if index % 3 == 0 else []}

    def collection(self, user, folder, query, base, viewer):
        synthetic = self.visible(user, viewer)
        if synthetic is None:
            entries = self.collections.get(user.lower(), [])
            folders = {0} | {entry["folder_id"] for entry in entries}
            if folder not in folders:
                raise ListError(404, FOLDER_MISSING)
            entries = [e for e in entries if folder == 0 or e["folder_id"] == folder]
            entries = self.sorted_entries(entries, query, "collection", _entry_sort)
            return self.page(entries, "releases", query, base)
        size = synthetic[1]
        if folder not in (0, 1, 2):
            raise ListError(404, FOLDER_MISSING)
        if folder == 0:
            return self.page((size, lambda i: self.synthetic_instance(user, i)), "releases", query, base)
        count = (size + (folder == 1)) // 2  # folder 1 holds the even instances, folder 2 the odd
        return self.page((count, lambda i: self.synthetic_instance(user, 2 * i + folder - 1)), "releases", query,
                         base)

    def wantlist(self, user, query, base, viewer):
        synthetic = self.visible(user, viewer)
        if synthetic is None:
            entries = self.sorted_entries(self.wants.get(user.lower(), []), query, "wants", _entry_sort)
            return self.page(entries, "wants", query, base)

        def want(index):
            release_id = release_id_of(index)
            return {"id": release_id, "resource_url": f"https://api.discogs.com/users/{user}/wants/{release_id}",
                    "rating": index % 6, "date_added": _added(index), "basic_information": basic_information(release_id),
                    "notes": "ask for a trade" if index % 5 == 0 else ""}

        return self.page((synthetic[1], want), "wants", query, base)

    # --- labels, artists, masters ---------------------------------------------------------

    @staticmethod
    def synthetic_count(entity_id):
        count = entity_id - SYNTHETIC_ENTITY
        return count if 0 <= count <= MAX_SYNTHETIC else None

    def entity(self, kind, entity_id):
        """The body of a synthetic label, artist or master (None when ``entity_id`` is not one)."""
        count = self.synthetic_count(entity_id)
        if count is None:
            return None
        api = f"https://api.discogs.com/{kind}/{entity_id}"
        if kind == "labels":
            return {"id": entity_id, "name": f"Synthetic Label {count}", "profile": f"A label of {count} releases.",
                    "contact_info": "PO Box 1", "urls": [f"https://label-{count}.example"],
                    "parent_label": {"id": 1, "name": "Planet E", "resource_url": "https://api.discogs.com/labels/1"},
                    "sublabels": [{"id": entity_id + 1, "name": f"Synthetic Sublabel {count}",
                                   "resource_url": f"https://api.discogs.com/labels/{entity_id + 1}"}],
                    "resource_url": api, "uri": f"https://www.discogs.com/label/{entity_id}",
                    "releases_url": f"{api}/releases", "data_quality": "Needs Vote"}
        if kind == "artists":
            return {"id": entity_id, "name": f"Synthetic Artist {count}", "realname": f"Real Name {count}",
                    "profile": "", "urls": [f"https://artist-{count}.example"],
                    "namevariations": [f"S. Artist {count}"],
                    "aliases": [{"id": 45, "name": "Aphex Twin", "resource_url": "https://api.discogs.com/artists/45"}],
                    "members": [{"id": 42476, "name": "Blue Calx (2)", "active": True,
                                 "resource_url": "https://api.discogs.com/artists/42476"}],
                    "groups": [{"id": 6418741, "name": "DJ Healer", "active": False,
                                "resource_url": "https://api.discogs.com/artists/6418741"}],
                    "resource_url": api, "uri": f"https://www.discogs.com/artist/{entity_id}",
                    "releases_url": f"{api}/releases", "data_quality": "Needs Vote"}
        main = release_id_of(0)
        return {"id": entity_id, "title": f"Synthetic Master {count}", "main_release": main,
                "most_recent_release": release_id_of(max(0, count - 1)), "year": 1999, "num_for_sale": count,
                "lowest_price": 9.5, "genres": ["Electronic"], "styles": ["Techno"],
                "artists": [{"name": "Synthetic Artist", "anv": "", "join": "", "role": "", "tracks": "", "id": 1}],
                "resource_url": api, "uri": f"https://www.discogs.com/master/{entity_id}",
                "versions_url": f"{api}/versions", "data_quality": "Correct"}

    def label_list(self, label_id, query, base):
        count = self.synthetic_count(label_id)
        if count is None:
            entries = self.label_releases.get(str(label_id))
            if entries is None:
                raise ListError(404, "Label not found.")
            return self.page(self.sorted_entries(entries, query, "releases", _entry_sort), "releases", query, base)

        def entry(index):
            core = core_of(release_id_of(index))
            return {"status": "Accepted", "format": core["format"], "catno": core["catalog_number"],
                    "thumb": "", "resource_url": f"https://api.discogs.com/releases/{core['id']}",
                    "title": core["title"], "id": core["id"], "year": core["year"], "artist": core["artist"],
                    "stats": {"community": {"in_wantlist": core["want"], "in_collection": core["have"]}}}

        return self.page((count, entry), "releases", query, base)

    def artist_list(self, artist_id, query, base):
        count = self.synthetic_count(artist_id)
        if count is None:
            entries = self.artist_releases.get(str(artist_id))
            if entries is None:
                raise ListError(404, "Artist not found.")
            return self.page(self.sorted_entries(entries, query, "releases", _entry_sort), "releases", query, base)

        def entry(index):
            core = core_of(release_id_of(index))
            item = {"id": core["id"], "title": core["title"], "type": "release", "artist": core["artist"],
                    "role": ("Main", "Remix", "TrackAppearance", "Producer")[index % 4], "year": core["year"],
                    "format": core["format"], "label": core["label"], "status": "Accepted", "thumb": "",
                    "resource_url": f"https://api.discogs.com/releases/{core['id']}"}
            if index % 5 == 4:  # a master, whose main release is this synthetic release
                item.update(id=SYNTHETIC_ENTITY + MAX_SYNTHETIC + 1 + index, type="master",
                            main_release=core["id"],
                            resource_url=f"https://api.discogs.com/masters/{SYNTHETIC_ENTITY + index}")
                item.pop("format"), item.pop("label"), item.pop("status")
            return item

        return self.page((count, entry), "releases", query, base)

    def master_list(self, master_id, query, base):
        count = self.synthetic_count(master_id)
        params = dict(query)
        wanted = {key: params[key] for key in ("format", "country", "released", "label") if params.get(key)}
        if count is None:
            entries = self.versions.get(str(master_id))
            if entries is None:
                raise ListError(404, "Master Release not found.")
        else:
            countries = ("Germany", "UK", "US", "Japan")

            def version(index):
                core = core_of(release_id_of(index))
                return {"id": core["id"], "label": core["label"], "country": countries[index % 4],
                        "title": core["title"], "major_formats": ["Vinyl"], "format": core["format"],
                        "catno": core["catalog_number"], "released": str(1990 + index % 30), "status": "Accepted",
                        "resource_url": f"https://api.discogs.com/releases/{core['id']}", "thumb": "",
                        "stats": {"community": {"in_wantlist": core["want"], "in_collection": core["have"]}}}

            if not wanted:
                return self.page((count, version), "versions", query, base, extra=_filters(wanted))
            entries = [version(i) for i in range(count)]
        entries = [e for e in entries if all(_matches(e, key, value) for key, value in wanted.items())]
        entries = self.sorted_entries(entries, query, "versions", _entry_sort)
        return self.page(entries, "versions", query, base, extra=_filters(wanted))

    # --- search and marketplace figures -----------------------------------------------------

    def search(self, query, base, cap=SEARCH_CAP):
        params = dict(query)
        text = (params.get("q") or "").strip()
        synthetic = synthetic_size(text)
        kind = params.get("type")
        if synthetic is not None:
            def result(index):
                core = core_of(release_id_of(index))
                return {"country": "Germany", "year": str(core["year"]), "format": ["Vinyl", core["format"]],
                        "label": [core["label"]], "type": "release", "genre": core["genres"],
                        "style": core["styles"], "id": core["id"], "barcode": [], "catno": core["catalog_number"],
                        "uri": f"/release/{core['id']}", "title": f"{core['artist']} - {core['title']}",
                        "thumb": "", "cover_image": "", "master_id": 0, "master_url": None,
                        "resource_url": f"https://api.discogs.com/releases/{core['id']}",
                        "community": {"want": core["want"], "have": core["have"]},
                        "user_data": {"in_wantlist": False, "in_collection": False}}

            count = 0 if kind not in (None, "", "release") else synthetic[1]
            return self.page((count, result), "results", query, base, cap=cap)
        needle = text.lower()
        found = [r for r in self.search_results
                 if needle in r.get("title", "").lower() and kind in (None, "", r.get("type"))]
        for key in ("country", "year", "catno"):
            if params.get(key):
                found = [r for r in found if str(r.get(key, "")).lower() == params[key].lower()]
        return self.page(found, "results", query, base, cap=cap)

    def market_stats(self, release_id, currency):
        if release_id in self.stats:
            return json.dumps(self.stats[release_id]).encode()
        if not self.release_exists(release_id):
            raise ListError(404, "Release not found.")
        r = gen.rng("stats", release_id)
        if r.random() < 0.2:
            return json.dumps({"lowest_price": None, "num_for_sale": 0, "blocked_from_sale": False}).encode()
        return json.dumps({"lowest_price": {"currency": currency or "USD", "value": round(r.uniform(2, 80), 2)},
                           "num_for_sale": r.randint(1, 60), "blocked_from_sale": False}).encode()

    def price_suggestions(self, release_id):
        if release_id in self.suggestions:
            return json.dumps(self.suggestions[release_id]).encode()
        if not self.release_exists(release_id):
            raise ListError(404, "Release not found.")
        base = gen.rng("suggest", release_id).uniform(5, 60)
        grades = (("Mint (M)", 1.1), ("Near Mint (NM or M-)", 1.0), ("Very Good Plus (VG+)", 0.75),
                  ("Very Good (VG)", 0.5), ("Good Plus (G+)", 0.3), ("Good (G)", 0.2), ("Fair (F)", 0.1),
                  ("Poor (P)", 0.05))
        return json.dumps({grade: {"currency": "USD", "value": base * share} for grade, share in grades}).encode()


def _credit(artists):
    names = [a.get("anv") or a.get("name", "") for a in artists or () if isinstance(a, dict)]
    return " / ".join(n for n in names if n) or "Various"


def _entry_sort(entry, sort):
    info = entry.get("basic_information") or entry
    if sort == "added":
        return entry.get("date_added")
    if sort == "artist":
        artists = info.get("artists")
        return artists[0]["name"] if isinstance(artists, list) and artists else info.get("artist")
    if sort in ("label", "catno"):
        labels = info.get("labels")
        if isinstance(labels, list) and labels:
            return labels[0].get("name" if sort == "label" else "catno")
        return info.get(sort)
    if sort == "rating":
        return f"{entry.get('rating', 0):02d}"
    return info.get(sort)


def _matches(entry, key, value):
    if key == "format":
        return value.lower() in (entry.get("format") or "").lower() or value in entry.get("major_formats", [])
    return str(entry.get(key, "")).lower() == value.lower()


def _filters(applied):
    return {"filters": {"applied": {k: [v] for k, v in applied.items()}, "available": {}}}
