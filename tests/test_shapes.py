"""Which answers are well-formed for their resource: a 200 can still be wrong."""

import copy
import json
from pathlib import Path

import pytest

from discogs_harvest.shapes import inventory_problem, release_problem

DATA = Path(__file__).resolve().parents[1] / "discogs_harvest" / "sandbox" / "data"


def recorded(pattern):
    return json.loads(next(DATA.rglob(pattern)).read_text())


PAGE = recorded("brotherlogic_status-for-sale_per100_page1.json")
RELEASE = recorded("249504*.json")


def changed(data, change):
    data = copy.deepcopy(data)
    change(data)
    return data


def test_recorded_answers_are_well_formed():
    assert inventory_problem(PAGE) is None
    assert release_problem(RELEASE, RELEASE["id"]) is None


@pytest.mark.parametrize(("data", "problem"), [
    ([], "an inventory page is an object, not list"),
    ({}, "no pagination object"),
    (changed(PAGE, lambda d: d.update(listings=None)), "listings is missing, not a list"),
    (changed(PAGE, lambda d: d.pop("listings")), "listings is missing, not a list"),
    (changed(PAGE, lambda d: d["pagination"]["urls"].pop("next")), "page 1 of 4 has no next link"),
    (changed(PAGE, lambda d: d["pagination"].update(items="322")), "pagination.items is not a whole number"),
    (changed(PAGE, lambda d: d["pagination"].update(page=True)), "pagination.page is not a whole number"),
    (changed(PAGE, lambda d: d["listings"].__setitem__(5, "x")), "a listing is str, not an object"),
    (changed(PAGE, lambda d: d["listings"][0].pop("release")), "has no release with a whole-number id"),
    (changed(PAGE, lambda d: d["listings"][0].update(price=3)), "price is int, not dict"),
])
def test_malformed_inventory_pages(data, problem):
    assert problem in inventory_problem(data)


@pytest.mark.parametrize(("data", "problem"), [
    ([], "a release is an object, not list"),
    ({}, "the release has no whole-number id"),
    (changed(RELEASE, lambda d: d.update(id=1)), "asked for release 249504, got release 1"),
    (changed(RELEASE, lambda d: d.update(genres="Jazz")), "genres is str, not list"),
    (changed(RELEASE, lambda d: d.update(tracklist={})), "tracklist is dict, not list"),
])
def test_malformed_releases(data, problem):
    assert problem in release_problem(data, 249504)


def test_absent_and_null_optional_fields_are_well_formed():
    assert release_problem({"id": 5, "styles": None}, 5) is None


def test_an_answer_for_another_page_or_release_is_malformed():
    from discogs_harvest.shapes import problem

    assert problem("inventory", PAGE, 1) is None
    assert problem("inventory", PAGE, 3) == "asked for page 3, got page 1"
    assert problem("release", RELEASE, 7) == "asked for release 7, got release 249504"
    assert problem(None, [], 7) is None  # an unknown resource: only its JSON was checked
