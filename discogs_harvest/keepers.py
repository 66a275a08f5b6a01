"""Keeper filters: which listings of a seller are worth keeping, decided at the cheapest point.

Two policies, pure functions of what they are given (no crawler, no database):

- :class:`ListingKeeper` reads only the listing (an inventory page carries it): media and
  sleeve condition at least a grade of Discogs' scale (API_FACTS.md §4: Mint, Near Mint,
  VG+, VG, G+, G, Fair, Poor; a sleeve that is Generic, Not Graded or No Cover has no
  grade and fails a sleeve minimum), price min/max (in ``currency`` when given: a listing
  priced in another currency fails, there is no rate to convert with), ships from, allows
  offers, posted since, format words the listing's display format shows ("LP", '7"',
  "Album"), and the release figures the listing's summary repeats (year, community
  have/want). The spider applies it before any release request: a listing it rejects
  never causes one.
- :class:`ReleaseKeeper` needs the release (fetched, or stored and fresh): country, rating,
  and year or have/want when the listing did not carry them. Style, genre and the format
  words only a release shows ("Vinyl", "Cassette") stay with
  :class:`discogs_harvest.filters.InventoryFilter`.

Spider arguments: ``min_condition``, ``min_sleeve_condition``, ``price_min``, ``price_max``,
``currency``, ``ships_from``, ``allow_offers``, ``posted_since``, ``year_min``, ``year_max``,
``country``, ``wants_over_haves=1``, ``min_want_ratio``, ``min_rating`` (see :func:`parse_keepers`).
"""

import datetime
import re
from dataclasses import dataclass

from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.filters import format_tokens, split_values

# Discogs' grading scale, worst first (API_FACTS.md §4).
GRADES = ("Poor (P)", "Fair (F)", "Good (G)", "Good Plus (G+)", "Very Good (VG)", "Very Good Plus (VG+)",
          "Near Mint (NM or M-)", "Mint (M)")
ALIASES = {"p": 0, "poor": 0, "f": 1, "fair": 1, "g": 2, "good": 2, "g+": 3, "good plus": 3, "vg": 4,
           "very good": 4, "vg+": 5, "very good plus": 5, "nm": 6, "m-": 6, "nm or m-": 6, "near mint": 6,
           "m": 7, "mint": 7}
# Format words a listing's display format never shows (it abbreviates: "LP", '7"', "Cass"):
# a filter naming one of these needs the release's own format.
RELEASE_ONLY_FORMATS = frozenset({"vinyl", "cassette", "box set", "file", "shellac", "flexi-disc", "lathe cut",
                                  "acetate", "all media", "blu-ray", "dvd", "cdr"})
KEEPER_ARGUMENTS = ("min_condition", "min_sleeve_condition", "price_min", "price_max", "currency", "ships_from",
                    "allow_offers", "posted_since", "year_min", "year_max", "country", "wants_over_haves",
                    "min_want_ratio", "min_rating")


def grade(text):
    """The rank (0 Poor .. 7 Mint) of a condition as Discogs writes it or abbreviated, else None."""
    if not text:
        return None
    key = text.strip().casefold()
    if key in ALIASES:
        return ALIASES[key]
    for rank, name in enumerate(GRADES):
        if key == name.casefold():
            return rank
    match = re.search(r"\(([^)]+)\)\s*$", key)  # "Very Good Plus (VG+)" spelled differently
    return ALIASES.get(match.group(1)) if match else None


def at_least(condition, minimum):
    """True when ``condition`` is graded ``minimum`` or better (an ungraded one never is)."""
    rank = grade(condition)
    return rank is not None and rank >= minimum


@dataclass(frozen=True)
class ListingKeeper:
    min_condition: int | None = None
    min_sleeve_condition: int | None = None
    price_min: float | None = None
    price_max: float | None = None
    currency: str | None = None
    ships_from: frozenset = frozenset()
    allow_offers: bool | None = None
    posted_since: str | None = None  # UTC "YYYY-MM-DD", compared with the stored form of posted
    formats: frozenset = frozenset()  # only words a listing's display format can show
    year_min: int | None = None
    year_max: int | None = None
    wants_over_haves: bool = False
    min_want_ratio: float | None = None

    @property
    def active(self):
        return any(value is not None and value is not False and value != frozenset()
                   for name, value in vars(self).items() if name != "allow_offers") or self.allow_offers is not None

    def matches(self, listing):
        """True when ``listing`` (a ListingItem) passes every listing-level condition it can decide;
        year and have/want a listing lacks are left to :class:`ReleaseKeeper`."""
        if self.min_condition is not None and not at_least(listing.condition, self.min_condition):
            return False
        if self.min_sleeve_condition is not None and not at_least(listing.sleeve_condition, self.min_sleeve_condition):
            return False
        if self.currency and (listing.currency or "").upper() != self.currency:
            return False
        if self.price_min is not None and (listing.price is None or listing.price < self.price_min):
            return False
        if self.price_max is not None and (listing.price is None or listing.price > self.price_max):
            return False
        if self.ships_from and (listing.ships_from or "").casefold() not in self.ships_from:
            return False
        if self.allow_offers is not None and bool(listing.allow_offers) != self.allow_offers:
            return False
        if self.posted_since and (listing.posted or "") < self.posted_since:
            return False
        if self.formats and not self.formats & format_tokens(listing.format):
            return False
        if listing.year is not None and not year_matches(self, listing.year):
            return False
        if listing.have_count is not None and listing.want_count is not None:
            return wants_match(self, listing.have_count, listing.want_count)
        return True


@dataclass(frozen=True)
class ReleaseKeeper:
    country: frozenset = frozenset()
    min_rating: float | None = None
    year_min: int | None = None
    year_max: int | None = None
    wants_over_haves: bool = False
    min_want_ratio: float | None = None

    @property
    def active(self):
        return bool(self.country) or self.min_rating is not None or self.needs_release_figures

    @property
    def needs_release_figures(self):
        return (self.year_min is not None or self.year_max is not None or self.wants_over_haves
                or self.min_want_ratio is not None)

    def matches(self, listing, release):
        """``release``: a dict of ``country``, ``avg_rating``, ``released_year``, ``have_count``,
        ``want_count`` (a ReleaseItem's or a stored album's), or None when it is unknown."""
        if not self.active:
            return True
        if release is None:
            return False
        if self.country and (release.get("country") or "").casefold() not in self.country:
            return False
        if self.min_rating is not None and (release.get("avg_rating") or 0) < self.min_rating:
            return False
        if listing.year is None and not year_matches(self, release.get("released_year") or 0):
            return False
        if listing.have_count is None or listing.want_count is None:
            return wants_match(self, release.get("have_count") or 0, release.get("want_count") or 0)
        return True


def year_matches(keeper, year):
    if keeper.year_min is None and keeper.year_max is None:
        return True
    if not year:  # Discogs' 0: unknown, never inside a range
        return False
    return (keeper.year_min is None or year >= keeper.year_min) and (keeper.year_max is None or year <= keeper.year_max)


def wants_match(keeper, have, want):
    if keeper.wants_over_haves and not want > have:
        return False
    if keeper.min_want_ratio is not None and want < keeper.min_want_ratio * max(have, 1):
        return False
    return True


def release_facts(item):
    """The figures :class:`ReleaseKeeper` reads, from a ReleaseItem."""
    return {"country": item.country, "avg_rating": item.avg_rating, "released_year": item.released_year,
            "have_count": item.have_count, "want_count": item.want_count}


def _number(name, value, kind=float):
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise HarvestConfigError(f"{name} must be a number, not {value!r}") from None


def _grade_argument(name, value):
    rank = grade(value)
    if rank is None:
        raise HarvestConfigError(f"{name} {value!r} is not a grade of Discogs' scale "
                                 f"(M, NM, VG+, VG, G+, G, F, P or the full names)")
    return rank


def flag(name, value):
    if str(value).strip().lower() in ("1", "true", "yes", "on"):
        return True
    if str(value).strip().lower() in ("0", "false", "no", "off"):
        return False
    raise HarvestConfigError(f"{name} must be 1 or 0, not {value!r}")


def parse_keepers(formats=frozenset(), **arguments):
    """``(ListingKeeper, ReleaseKeeper)`` from the spider's ``-a`` arguments (strings), or a
    one-line :class:`HarvestConfigError`. ``formats`` are the ``format=`` words: the listing
    decides them unless one needs the release (:data:`RELEASE_ONLY_FORMATS`)."""
    a = {name: value for name, value in arguments.items() if value not in (None, "")}
    since = a.get("posted_since")
    if since is not None:
        try:
            since = datetime.date.fromisoformat(str(since)[:10]).isoformat()
        except ValueError:
            raise HarvestConfigError(f"posted_since must be a date YYYY-MM-DD, not {since!r}") from None
    price_min = _number("price_min", a["price_min"]) if "price_min" in a else None
    price_max = _number("price_max", a["price_max"]) if "price_max" in a else None
    if price_min is not None and price_max is not None and price_min > price_max:
        raise HarvestConfigError(f"price_min {price_min:g} is above price_max {price_max:g}")
    years = {name: _number(name, a[name], int) if name in a else None for name in ("year_min", "year_max")}
    wants = {"wants_over_haves": flag("wants_over_haves", a["wants_over_haves"]) if "wants_over_haves" in a
             else False,
             "min_want_ratio": _number("min_want_ratio", a["min_want_ratio"]) if "min_want_ratio" in a else None}
    currency = str(a["currency"]).strip().upper() if "currency" in a else None
    if currency is not None and not re.fullmatch(r"[A-Z]{3}", currency):
        raise HarvestConfigError(f"currency must be a three-letter code like EUR, not {a['currency']!r}")
    listing_formats = frozenset() if formats & RELEASE_ONLY_FORMATS else frozenset(formats)
    listing = ListingKeeper(
        min_condition=_grade_argument("min_condition", a["min_condition"]) if "min_condition" in a else None,
        min_sleeve_condition=(_grade_argument("min_sleeve_condition", a["min_sleeve_condition"])
                              if "min_sleeve_condition" in a else None),
        price_min=price_min, price_max=price_max, currency=currency,
        ships_from=split_values(a.get("ships_from")),
        allow_offers=flag("allow_offers", a["allow_offers"]) if "allow_offers" in a else None,
        posted_since=since, formats=listing_formats, **years, **wants)
    release = ReleaseKeeper(
        country=split_values(a.get("country")),
        min_rating=_number("min_rating", a["min_rating"]) if "min_rating" in a else None, **years, **wants)
    return listing, release


def describe(listing, release):
    """One line for the log: the keeper conditions in force."""
    parts = [f"{name}={value}" for keeper in (listing, release) for name, value in vars(keeper).items()
             if value is not None and value is not False and value != frozenset()
             or name == "allow_offers" and value is not None]
    return " ".join(sorted(set(parts))) or "none"
