"""Which releases of a dump to import, decided from the record's bytes (nothing is built).

A selective import must cost about what reading the file costs, so a selection looks at a
record's raw bytes with two regular expressions: the ``id`` attribute of the opening tag, and
the texts of ``<genre>``/``<style>``. Only a selected record is parsed and loaded.

- :class:`Everything`: every release;
- :class:`Ids`: a set of release ids, from a file (one id a line, ``#`` comments) or from
  what the database already references: ``collection_items.release_id`` (inventory
  listings, the owner's collection and wants: every collection lives there);
- :class:`Tags`: releases with any of the given styles and any of the given genres
  (case-insensitive, as :class:`~discogs_harvest.filters.InventoryFilter` decides a harvest).
"""

import html
import re

from peewee import fn

from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.filters import InventoryFilter, split_values

RELEASE_ID = re.compile(rb'<release id="(\d+)"')
TAG_TEXT = re.compile(rb"<(genre|style)>([^<]*)</")


def record_id(record):
    match = RELEASE_ID.match(record)
    return int(match.group(1)) if match else None


class Everything:
    def __call__(self, record):
        return True

    def describe(self):
        return "all releases"


class Ids:
    def __init__(self, ids, origin):
        self.ids = frozenset(ids)
        self.origin = origin

    def __call__(self, record):
        return record_id(record) in self.ids

    def describe(self):
        return f"{len(self.ids):,} release ids ({self.origin})"

    @classmethod
    def from_file(cls, path):
        ids = set()
        try:
            with open(path, encoding="utf-8") as handle:
                for number, line in enumerate(handle, 1):
                    text = line.split("#", 1)[0].strip()
                    if not text:
                        continue
                    if not text.isdigit():
                        raise HarvestConfigError(f"{path} line {number}: {text!r} is not a release id")
                    ids.add(int(text))
        except OSError as exc:
            raise HarvestConfigError(f"cannot read the id file {path}: {exc.strerror}") from None
        return cls(ids, path)

    @classmethod
    def referenced(cls):
        """Release ids the database references (bound database: call after ``database_for``)."""
        from discogs_harvest.models import CollectionItem

        query = (CollectionItem.select(fn.DISTINCT(CollectionItem.release_id))
                 .where(CollectionItem.release_id.is_null(False)).tuples())
        return cls((release_id for (release_id,) in query), "referenced by the database")


class Tags:
    def __init__(self, styles=None, genres=None):
        self.filter = InventoryFilter(styles=split_values(styles), genres=split_values(genres))

    def __call__(self, record):
        genres, styles = [], []
        for kind, text in TAG_TEXT.findall(record):
            value = html.unescape(text.decode("utf-8"))
            (genres if kind == b"genre" else styles).append(value)
        return self.filter.matches(genres, styles)

    def describe(self):
        return f"releases with {self.filter.describe()}"


def selection_for(ids=None, referenced=False, styles=None, genres=None):
    """One selection from the command's options (at most one kind)."""
    kinds = sum(bool(x) for x in (ids, referenced, styles or genres))
    if kinds > 1:
        raise HarvestConfigError("choose one selection: --ids FILE, --referenced, or --style/--genre")
    if ids:
        return Ids.from_file(ids)
    if referenced:
        return Ids.referenced()
    if styles or genres:
        return Tags(styles, genres)
    return Everything()
