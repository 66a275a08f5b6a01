"""An inventory page decoded with each listing's own text (discogs_harvest/pagetext.py)."""

import json
from pathlib import Path

import pytest

from discogs_harvest.loaders import load_listing
from discogs_harvest.pagetext import PageListing, decode_page, listing_raw

INVENTORY = Path(__file__).resolve().parents[2] / "shared" / "discogs-api-samples" / "inventory"
PAGES = sorted(INVENTORY.glob("*.json"))


@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.name)
def test_a_recorded_page_decodes_as_json_loads_and_each_listing_carries_its_own_text(path):
    text = path.read_text(encoding="utf-8")
    data = decode_page(text)

    assert data == json.loads(text)
    assert list(data) == list(json.loads(text))  # the keys in their order, too
    listings = data["listings"]
    assert listings and all(type(listing) is PageListing for listing in listings)
    for listing in listings:
        assert listing.text in text
        assert json.loads(listing.text) == listing
    assert len({listing.text for listing in listings}) == len(listings)


def test_whitespace_anywhere_json_allows_it_and_non_objects_in_the_array_stay_as_they_are():
    text = ' \n{ "pagination" :{"page":1} ,\t"listings" : [ {"id": 1, "a": [1, {"b": "]"}]} ,\r\n 7 , {"id":2} ] }\n'

    data = decode_page(text)

    assert data == json.loads(text)
    assert [getattr(listing, "text", None) for listing in data["listings"]] == [
        '{"id": 1, "a": [1, {"b": "]"}]}', None, '{"id":2}']


def test_escapes_stay_as_the_page_wrote_them():
    text = '{"listings": [{"comments": "\\u00e9t\\u00e9 \\"mint\\"", "id": 3}]}'

    [listing] = decode_page(text)["listings"]

    assert listing == {"comments": 'été "mint"', "id": 3}
    assert listing.text == '{"comments": "\\u00e9t\\u00e9 \\"mint\\"", "id": 3}'


@pytest.mark.parametrize("text", ["[1, 2]", "{}", '{"listings": []}', '{"listings": {"id": 1}}', '"page"',
                                  '{"a": 1e400, "listings": [{"x": -0.0, "y": 12345678901234567890}]}'])
def test_what_is_not_a_page_with_listings_decodes_as_json_loads_does(text):
    assert decode_page(text) == json.loads(text)


@pytest.mark.parametrize("text", ["", "{", '{"listings": [{"id": 1}', '{"listings": [{"id": 1},]}',
                                  '{"listings": [{"id": 1}]} extra', '{"a": 1,}', '{"listings": [{"id": 1} {"id": 2}]}',
                                  "\ufeff{}"])
def test_malformed_text_raises_json_loads_own_error(text):
    with pytest.raises(ValueError) as raised:
        decode_page(text)
    with pytest.raises(ValueError) as expected:
        json.loads(text)
    assert str(raised.value) == str(expected.value)


def test_a_loaded_listing_keeps_its_page_text_and_a_plain_object_itself():
    text = PAGES[0].read_text(encoding="utf-8")
    from_page = decode_page(text)["listings"][0]
    plain = json.loads(text)["listings"][0]

    assert load_listing(from_page).raw == from_page.text == listing_raw(from_page)
    assert load_listing(plain).raw == plain == listing_raw(plain)
    loaded, expected = load_listing(from_page), load_listing(plain)
    loaded.raw = expected.raw = None
    assert loaded == expected  # every other field the same
