"""Spider arguments are checked before anything is fetched: one line, HarvestConfigError."""

import pytest

from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.spiders.release import ReleaseSpider
from discogs_harvest.spiders.seller_inventory import SellerInventorySpider


def test_seller_url_filters_are_used_unless_given_as_arguments():
    options = SellerInventorySpider.parse_arguments(
        seller="https://www.discogs.com/seller/SecretSpot.Records/profile?style=Latin&genre=Jazz"
    )
    assert options["seller"] == "SecretSpot.Records"
    assert options["filter"].styles == {"latin"} and options["filter"].genres == {"jazz"}
    options = SellerInventorySpider.parse_arguments(
        seller="https://www.discogs.com/seller/SecretSpot.Records/profile?style=Latin", style="Salsa,Bolero"
    )
    assert options["filter"].styles == {"salsa", "bolero"}


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"seller": ""}, {"seller": "https://example.com/x"}, {"seller": "a", "status": "Gone"},
     {"seller": "a", "max_pages": "0"}, {"seller": "a", "max_pages": "many"},
     {"seller": "a", "min_condition": "great"}, {"seller": "a", "price_max": "cheap"},
     {"seller": "a", "quick": "perhaps"}, {"seller": "a", "windows": "some"}],
)
def test_bad_seller_arguments(kwargs):
    with pytest.raises(HarvestConfigError):
        SellerInventorySpider.parse_arguments(**kwargs)


@pytest.mark.parametrize(
    ("ids", "expected"),
    [("1431115,249504", [1431115, 249504]), (" 1431115 , 249504 ,1431115", [1431115, 249504]), (42, [42])],
)
def test_release_ids(ids, expected):
    assert ReleaseSpider.parse_arguments(ids=ids)["ids"] == expected


def test_release_ids_file(tmp_path):
    path = tmp_path / "ids.txt"
    path.write_text("1431115\n249504\n\n3362530\n")
    assert ReleaseSpider.parse_arguments(ids_file=str(path))["ids"] == [1431115, 249504, 3362530]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({}, "required"),
        ({"ids": ""}, "no release ids"),
        ({"ids": "12,abc"}, "'abc' is not a Discogs release id"),
        ({"ids": "-5"}, "not a Discogs release id"),
        ({"ids": "0"}, "not a Discogs release id"),
        ({"ids_file": "/nonexistent/ids.txt"}, "cannot be read"),
        ({"ids": "1", "ids_file": "x"}, "not both"),
    ],
)
def test_bad_release_arguments(kwargs, fragment):
    with pytest.raises(HarvestConfigError, match=fragment):
        ReleaseSpider.parse_arguments(**kwargs)


def test_force_flag():
    assert ReleaseSpider.parse_arguments(ids="1", force="1")["force"] is True
    assert ReleaseSpider.parse_arguments(ids="1")["force"] is False


def test_watching_arguments():
    options = SellerInventorySpider.parse_arguments(seller="a", min_condition="VG+", price_max="20", format="LP",
                                                    country="Peru", quick="1")
    assert options["listing_keeper"].min_condition == 5 and options["listing_keeper"].formats == {"lp"}
    assert options["release_keeper"].country == {"peru"} and options["quick"] and options["windows"]
