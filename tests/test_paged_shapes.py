"""Shapes of the list pages and single objects the entry spiders read (shapes.paged_problem):
a 200 can still be wrong, and a wrong one is retried like a 5xx."""

import pytest

from discogs_harvest import shapes

GOOD = {"pagination": {"page": 1, "pages": 2, "per_page": 50, "items": 60, "urls": {"next": "https://x/?page=2"}},
        "wants": []}


def test_a_well_formed_page_passes():
    assert shapes.problem(shapes.paged("wants"), GOOD) is None
    last = {"pagination": {"page": 2, "pages": 2, "urls": {}}, "releases": [{"id": 1}]}
    assert shapes.problem(shapes.paged("releases"), last) is None


@pytest.mark.parametrize("data, words", [
    ([], "not list"),
    ({}, "no pagination"),
    ({"pagination": {"page": "1", "pages": 2}, "wants": []}, "not an int"),
    ({"pagination": {"page": 1, "pages": 2, "urls": {}}, "wants": []}, "no next link"),
    ({"pagination": {"page": 1, "pages": 1, "urls": {}}, "wants": None}, "wants is not a list"),
    ({"pagination": {"page": 1, "pages": 1, "urls": {}}, "releases": []}, "wants is not a list"),
    ({"pagination": {"page": 1, "pages": 1, "urls": []}, "wants": []}, "urls is not an object"),
])
def test_malformed_pages_are_named(data, words):
    problem = shapes.problem(shapes.paged("wants"), data)
    assert problem is not None and words.split()[-1] in problem


def test_single_objects_must_be_objects():
    assert shapes.problem(shapes.ENTITY, {"id": 1}) is None
    assert shapes.problem(shapes.ENTITY, {}) is None  # price suggestions: {} when there are none
    assert "not list" in shapes.problem(shapes.ENTITY, [])
