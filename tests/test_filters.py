import pytest

from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.filters import InventoryFilter, format_tokens, parse_seller, split_values


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("SecretSpot.Records", ("SecretSpot.Records", {})),
        ("  brotherlogic ", ("brotherlogic", {})),
        ("https://www.discogs.com/seller/SecretSpot.Records/profile?style=Latin",
         ("SecretSpot.Records", {"style": "Latin"})),
        ("https://www.discogs.com/seller/SecretSpot.Records/profile?style=Latin&genre=Jazz&format=Vinyl&sort=price",
         ("SecretSpot.Records", {"style": "Latin", "genre": "Jazz", "format": "Vinyl"})),
        ("https://www.discogs.com/seller/some%20one/profile", ("some one", {})),
        ("http://discogs.com/seller/x_y-z", ("x_y-z", {})),
        ("www.discogs.com/seller/abc/profile?style=Latin&style=Salsa", ("abc", {"style": "Latin,Salsa"})),
        ("https://www.discogs.com/de/seller/abc/profile", ("abc", {})),
        ("https://www.discogs.com/user/abc", ("abc", {})),
    ],
)
def test_parse_seller_accepts_names_and_seller_urls(value, expected):
    assert parse_seller(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        None,
        "two words",
        "a/b",
        "https://www.discogs.com/release/249504",
        "https://example.com/seller/abc/profile",
        "ftp://www.discogs.com/seller/abc",
        "https://www.discogs.com/seller/",
    ],
)
def test_parse_seller_rejects_anything_else_in_one_line(value):
    with pytest.raises(HarvestConfigError) as info:
        parse_seller(value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, set()), ("", set()), ("Latin", {"latin"}), (" Latin , JAZZ,,", {"latin", "jazz"}),
     (["Latin", "Salsa"], {"latin", "salsa"})],
)
def test_split_values(value, expected):
    assert split_values(value) == expected


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [("2xLP, Comp", {"lp", "comp"}), ('LP, Album, RE + 7", RE', {"lp", "album", "re", '7"'}),
     ("Vinyl, LP, Album", {"vinyl", "lp", "album"}), ("", set()), (None, set())],
)
def test_format_tokens(fmt, expected):
    assert format_tokens(fmt) == expected


LATIN = (["Latin", "Jazz"], ["Salsa", "Latin Jazz"])


@pytest.mark.parametrize(
    ("flt", "release", "formats", "matches"),
    [
        (InventoryFilter(), LATIN, (), True),
        (InventoryFilter(styles=split_values("salsa")), LATIN, (), True),
        (InventoryFilter(styles=split_values("Latin")), LATIN, (), False),  # a genre, not a style here
        (InventoryFilter(genres=split_values("latin")), LATIN, (), True),
        (InventoryFilter(styles=split_values("Bolero, Salsa")), LATIN, (), True),
        (InventoryFilter(styles=split_values("salsa"), genres=split_values("Rock")), LATIN, (), False),
        (InventoryFilter(formats=split_values("LP")), LATIN, ("2xLP, Comp",), True),
        (InventoryFilter(formats=split_values("vinyl")), LATIN, ("2xLP", "Vinyl, LP, Album"), True),
        (InventoryFilter(formats=split_values("CD")), LATIN, ("2xLP", "Vinyl, LP, Album"), False),
        (InventoryFilter(formats=split_values("CD")), LATIN, (), False),
    ],
)
def test_filter_matches(flt, release, formats, matches):
    genres, styles = release
    assert flt.matches(genres, styles, formats) is matches


def test_filter_active_and_describe():
    assert not InventoryFilter().active
    flt = InventoryFilter(styles=split_values("Latin"), genres=split_values("jazz"))
    assert flt.active
    assert flt.describe() == "style=latin genre=jazz"
