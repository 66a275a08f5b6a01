"""Keeper filters as pure policies: what each decides from a listing or a release alone."""

import pytest

from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.filters import split_values
from discogs_harvest.items import ListingItem
from discogs_harvest.keepers import ReleaseKeeper, grade, parse_keepers


def listing(**fields):
    base = {"listing_id": 1, "release_id": 2, "condition": "Near Mint (NM or M-)",
            "sleeve_condition": "Very Good Plus (VG+)", "price": 15.0, "currency": "EUR",
            "ships_from": "Germany", "allow_offers": True, "posted": "2024-05-01 10:00:00",
            "format": "LP, Album", "year": 1975, "have_count": 100, "want_count": 250}
    return ListingItem(**{**base, **fields})


@pytest.mark.parametrize("text, rank", [("VG+", 5), ("Very Good Plus (VG+)", 5), ("nm", 6), ("M-", 6),
                                        ("Near Mint (NM or M-)", 6), ("Mint (M)", 7), ("P", 0),
                                        ("Generic", None), ("Not Graded", None), ("", None)])
def test_grades_follow_discogs_scale(text, rank):
    assert grade(text) == rank


@pytest.mark.parametrize("arguments, fields, keep", [
    ({"min_condition": "VG+"}, {"condition": "Very Good (VG)"}, False),
    ({"min_condition": "VG+"}, {"condition": "Mint (M)"}, True),
    ({"min_condition": "P"}, {"condition": "Poor (P)"}, True),
    ({"min_condition": "P"}, {"condition": "Unknown"}, False),
    ({"min_sleeve_condition": "VG"}, {"sleeve_condition": "Generic"}, False),
    ({"price_max": "20"}, {"price": 20.01}, False),
    ({"price_min": "10", "price_max": "20"}, {"price": 10.0}, True),
    ({"price_max": "20", "currency": "usd"}, {}, False),  # priced in EUR: no rate to compare with
    ({"ships_from": "germany, france"}, {}, True),
    ({"ships_from": "Spain"}, {}, False),
    ({"allow_offers": "0"}, {}, False),
    ({"posted_since": "2024-05-02"}, {}, False),
    ({"posted_since": "2024-05-01"}, {}, True),
    ({"year_min": "1970", "year_max": "1979"}, {}, True),
    ({"year_min": "1970"}, {"year": 0}, False),  # Discogs' 0: unknown
    ({"wants_over_haves": "1"}, {"want_count": 99}, False),
    ({"min_want_ratio": "2.5"}, {}, True),
    ({"min_want_ratio": "3"}, {}, False),
])
def test_the_listing_decides_its_own_conditions(arguments, fields, keep):
    keeper, _ = parse_keepers(**arguments)
    assert keeper.active and keeper.matches(listing(**fields)) is keep


def test_format_words_a_listing_shows_are_decided_from_it_and_the_others_wait_for_the_release():
    shown, _ = parse_keepers(split_values("LP"))
    assert shown.matches(listing()) and not shown.matches(listing(format='7", Single'))
    release_only, _ = parse_keepers(split_values("Vinyl"))
    assert not release_only.active  # "Vinyl" is in the release's format only: InventoryFilter decides


def test_release_conditions_need_the_release_and_use_the_listing_figures_first():
    _, keeper = parse_keepers(country="Colombia, Peru", min_rating="4")
    release = {"country": "Peru", "avg_rating": 4.2, "released_year": 1975, "have_count": 1, "want_count": 2}
    assert keeper.matches(listing(), release)
    assert not keeper.matches(listing(), {**release, "country": "US"})
    assert not keeper.matches(listing(), {**release, "avg_rating": 3.9})
    assert not keeper.matches(listing(), None)  # unknown release: cannot be decided, not kept
    wants = ReleaseKeeper(wants_over_haves=True)
    assert wants.matches(listing(), {"have_count": 10, "want_count": 1})  # the listing's figures decided
    assert not wants.matches(listing(have_count=None, want_count=None), {"have_count": 10, "want_count": 1})


@pytest.mark.parametrize("arguments, words", [
    ({"min_condition": "great"}, "not a grade"),
    ({"price_max": "cheap"}, "price_max must be a number"),
    ({"price_min": "30", "price_max": "20"}, "above price_max"),
    ({"currency": "euro"}, "three-letter code"),
    ({"posted_since": "last week"}, "YYYY-MM-DD"),
    ({"wants_over_haves": "maybe"}, "1 or 0"),
])
def test_bad_arguments_are_one_line(arguments, words):
    with pytest.raises(HarvestConfigError, match=words):
        parse_keepers(**arguments)
