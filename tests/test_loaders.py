"""Loaders on every recorded body the project keeps, field by field against the JSON.

Samples are read from ``discogs_harvest/sandbox/data`` (the copy of the shared
sample set that ships with the project), never from ``../shared``.
"""

import datetime
import html
import json
import re
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jmespath
import pytest
from itemloaders import ItemLoader
from itemloaders.processors import Compose, MapCompose, TakeFirst
from parsel import Selector

from discogs_harvest import loaders
from discogs_harvest.items import ListingItem, ReleaseItem, SellerItem, TrackItem, VideoItem
from discogs_harvest.loaders import JsonSelector, load_listing, load_release, load_seller

pytestmark = pytest.mark.timeout(30)

DATA = Path(__file__).resolve().parents[1] / "discogs_harvest" / "sandbox" / "data"
RELEASE_FILES = sorted(p.name for p in (DATA / "releases").glob("*.json"))
BROTHERLOGIC = [f"inventory/brotherlogic_status-for-sale_per100_page{n}.json" for n in range(1, 5)]
SOMESELLER = "inventory/SomeSeller_public-view_2025_anonymized.json"
SINGLE_LISTINGS = sorted(f"marketplace_listings/{p.name}" for p in (DATA / "marketplace_listings").glob("*.json"))


@cache
def body(name):
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{name} is not in discogs_harvest/sandbox/data")
    return json.loads(path.read_text(encoding="utf-8"))


def release(name):
    return body(f"releases/{name}")


def listings_in(name):
    data = body(name)
    return data["listings"] if "listings" in data else [data]


def listing_params():
    """(file, index) for every recorded listing; one skipped case for a file not copied."""
    params = []
    for name in BROTHERLOGIC + [SOMESELLER] + SINGLE_LISTINGS:
        if not (DATA / name).exists():
            params.append(pytest.param(name, 0, id=f"{name}-missing"))
            continue
        count = len(listings_in(name))
        params += [pytest.param(name, i, id=f"{Path(name).stem}-{i}") for i in range(count)]
    return params


def test_the_samples_the_tests_name_are_there():
    assert len(RELEASE_FILES) == 12
    assert all((DATA / name).exists() for name in BROTHERLOGIC)
    assert len(SINGLE_LISTINGS) == 2


# --- releases: every file, every field ------------------------------------------------

# What the credit, first label and format lines read for each recorded release.
DISPLAY = {
    10507194: ("HOLOVR", "Likemind", 'Vinyl, 12", 45 RPM'),
    1052359: ("Piero Umiliani", "Easy Tempo", "2 × Vinyl, LP, Gatefold"),
    1161277: ("Stockhausen", "Stockhausen-Verlag", "CD"),  # credited under an ANV
    1823781: ("David Axelrod", "Ascension Records", "Vinyl, LP, Album, Reissue"),  # label "... (5)"
    2370027: ("Brian Eno", "Editions EG",
              'Box Set, Compilation + 9 × Vinyl, LP, Album, Reissue + Vinyl, LP + Vinyl, 12", Compilation'),
    2425133: ("Wool", "ABC Records", 'Vinyl, 7", Single'),  # "Wool (4)"
    249504: ("Rick Astley", "RCA", None),  # join "," on the only artist; format differs by capture
    2535152: ("Neil Young", "Reprise Records", "Vinyl, LP, Album, Reissue, Gatefold"),
    3362530: ("Ted Lucas", "Zonk", 'Vinyl, 7", 45 RPM'),
    4707982: ("The Seeds", "Big Beat Records", "2 × CD, Album, Reissue, Remastered"),
    565473: ("Gorky's Zygotic Mynci", "Ankst", "CD, Album"),
}


def flattened(tracklist):
    """(row, index title, type) for every row in order, written out independently of the code:
    headings and index rows keep their place, an index's sub-tracks follow it."""
    for row in tracklist:
        yield row, None, row["type_"]
        for sub in row.get("sub_tracks", []):
            yield sub, row["title"] if row["type_"] == "index" else None, \
                "track" if row["type_"] == "index" else "sub_track"


def utc(posted):
    """Discogs' "2019-04-03T09:43:04-07:00" as the database's UTC "2019-04-03 16:43:04"."""
    moment = datetime.datetime.fromisoformat(posted)
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def seconds(duration):
    if not duration:
        return None
    minutes, secs = duration.split(":")
    return int(minutes) * 60 + int(secs)


def side(position):
    letters = position.rstrip("0123456789")
    return letters if letters and letters.isupper() and len(set(letters)) == 1 else None


@pytest.mark.parametrize("name", RELEASE_FILES)
def test_release_fields(name):
    data = release(name)
    item = load_release(data)
    assert isinstance(item, ReleaseItem)

    artist, label, fmt = DISPLAY[data["id"]]
    assert item.release_id == data["id"]
    assert item.artist == artist
    assert item.title == data["title"]
    assert item.label == label
    assert item.catalog_number == (data["labels"][0]["catno"] or None)
    if fmt:
        assert item.format == fmt
    assert item.country == data["country"]
    assert item.released_year == (data["year"] or None)
    assert item.released == data.get("released")
    primary = next((i for i in data["images"] if i["type"] == "primary"), data["images"][0])
    assert item.cover_image_url == (primary["uri"] or None)
    assert item.web_url == data["uri"]
    assert item.api_url == data["resource_url"]
    assert item.price_low == data["lowest_price"]
    assert item.price_currency is None
    assert item.num_for_sale == data["num_for_sale"]
    assert item.have_count == data["community"]["have"]
    assert item.want_count == data["community"]["want"]
    assert item.avg_rating == data["community"]["rating"]["average"]
    assert item.ratings_count == data["community"]["rating"]["count"]
    assert item.data_quality == data["data_quality"]
    assert item.master_id == data.get("master_id")
    assert item.genres == data["genres"]
    assert item.styles == data.get("styles", [])


@pytest.mark.parametrize("name", RELEASE_FILES)
def test_release_tracks(name):
    data = release(name)
    tracks = load_release(data).tracks
    expected = list(flattened(data["tracklist"]))
    assert all(isinstance(t, TrackItem) for t in tracks)
    assert [t.sequence for t in tracks] == list(range(len(expected)))
    assert [t.type for t in tracks] == [kind for _, _, kind in expected]
    assert [t.position for t in tracks] == [row["position"] or None for row, _, _ in expected]
    assert [t.title for t in tracks] == [f"{index}: {row['title']}" if index else row["title"]
                                         for row, index, _ in expected]
    assert [t.duration for t in tracks] == [row["duration"] or None for row, _, _ in expected]
    assert [t.duration_seconds for t in tracks] == [seconds(row["duration"]) for row, _, _ in expected]
    assert [t.side for t in tracks] == [side(row["position"]) for row, _, _ in expected]
    assert [len(t.artists) for t in tracks] == [len(row.get("artists", [])) for row, _, _ in expected]
    assert [len(t.credits) for t in tracks] == [len(row.get("extraartists", [])) for row, _, _ in expected]


@pytest.mark.parametrize("name", RELEASE_FILES)
def test_release_videos(name):
    data = release(name)
    videos = load_release(data).videos
    recorded = data.get("videos", [])
    assert all(isinstance(v, VideoItem) for v in videos)
    assert [v.video_id for v in videos] == [parse_qs(urlsplit(v["uri"]).query)["v"][0] for v in recorded]
    assert [v.order_index for v in videos] == list(range(len(recorded)))
    assert [v.url for v in videos] == [v["uri"] for v in recorded]
    assert [v.title for v in videos] == [v["title"].strip() for v in recorded]
    assert [v.description for v in videos] == [v["description"].strip() or None for v in recorded]
    assert [v.duration_seconds for v in videos] == [v["duration"] for v in recorded]
    assert [v.embed for v in videos] == [v["embed"] for v in recorded]


def test_index_tracks_are_kept_and_their_sub_tracks_titled_with_a_prefix():
    rows = load_release(release("1161277_stockhausen_index-subtracks_no-videos.json")).tracks
    tracks = [t for t in rows if t.type == "track"]
    assert len(tracks) == 14
    assert [t.position for t in tracks] == [str(n) for n in range(1, 15)]
    assert tracks[0].title == "Chöre Für Doris (1950) Für Chor A Capella: Die Nachtigall"
    assert tracks[4].title == "Choral (1950) Für Chor A Capella: 2. Strophe"
    assert (tracks[13].duration, tracks[13].duration_seconds) == ("4:46", 286)
    assert {t.side for t in tracks} == {None}
    (first_index,) = [t for t in rows if t.type == "index"][:1]
    assert (first_index.sequence, first_index.title) == (0, "Chöre Für Doris (1950) Für Chor A Capella")
    assert {t.parent_sequence for t in rows[1:4]} == {0}


def test_an_index_keeps_its_own_duration():
    suite = {"position": "", "type_": "index", "title": "Suite", "duration": "19:43",
             "sub_tracks": [{"position": "A1", "type_": "track", "title": "I", "duration": ""}]}
    (index, sub) = load_release({"id": 1, "tracklist": [suite]}).tracks
    assert (index.type, index.duration, index.duration_seconds) == ("index", "19:43", 1183)
    assert (sub.type, sub.title, sub.parent_sequence) == ("track", "Suite: I", 0)


@pytest.mark.parametrize(
    ("name", "count", "headings"),
    [
        ("565473_gorkys_cd_headings.json", 16, ["13 Anna Apera"]),
        ("4707982_the-seeds_cd_headings.json", 38,
         ["Future", "Bonus Tracks - Mono Mixes", 'Contact High: The "Future" Sessions']),
        ("1823781_axelrod_lp_headings_7-videos.json", 7, ["The Warnings", "The Signs"]),
    ],
)
def test_headings_keep_their_place_with_their_type(name, count, headings):
    rows = load_release(release(name)).tracks
    tracks = [t for t in rows if t.type in ("track", "sub_track")]
    assert len(tracks) == count
    assert [t.title for t in rows if t.type == "heading"] == headings
    assert not {t.title for t in tracks} & set(headings)
    assert all(t.position for t in tracks)


def test_parts_of_a_cd_track_have_no_side():
    tracks = load_release(release("565473_gorkys_cd_headings.json")).tracks
    assert [(t.position, t.side) for t in tracks[-4:]] == [("a", None), ("b", None), ("c", None), ("d", None)]


def test_cd_positions_have_no_side_and_vinyl_positions_do():
    seeds = load_release(release("4707982_the-seeds_cd_headings.json")).tracks
    assert [(t.type, t.position, t.side) for t in seeds[:2]] == [("heading", None, None), ("track", "1-1", None)]
    eno = load_release(release("2370027_eno_boxset_no-price_no-videos.json")).tracks
    assert [t.side for t in eno if t.position in ("A1", "G", "T5", "V3")] == ["A", "G", "T", "T", "V"]


@pytest.mark.parametrize("name", ["1161277_stockhausen_index-subtracks_no-videos.json",
                                  "2370027_eno_boxset_no-price_no-videos.json"])
def test_no_videos_key_gives_no_videos(name):
    assert "videos" not in release(name)
    assert load_release(release(name)).videos == []


def test_year_zero_no_styles_no_released_no_master():
    item = load_release(release("3362530_ted-lucas_7in_year0_no-styles.json"))
    assert (item.released_year, item.released, item.styles, item.master_id) == (None, None, [], None)
    assert [(t.position, t.side, t.artist) for t in item.tracks if t.type == "track"] == [
        ("A", "A", "Ted Lucas & The Horny Toads"),  # track-level artists, join "&"
        ("B", "B", "Ted Lucas"),
    ]


def test_no_price_is_none_not_zero():
    item = load_release(release("2370027_eno_boxset_no-price_no-videos.json"))
    assert (item.price_low, item.num_for_sale) == (None, 0)


def test_unauthenticated_capture_has_no_image_urls():
    data = release("249504_rick-astley_7in_unauth_2024-05.json")
    assert {i["uri"] for i in data["images"]} == {""}
    item = load_release(data)
    assert item.cover_image_url is None
    assert item.artist == "Rick Astley"
    assert item.format == 'Vinyl, 7", 45 RPM, Single, Stereo'


def test_authenticated_capture_has_the_primary_image():
    data = release("249504_rick-astley_7in_token_2017-11.json")
    item = load_release(data)
    assert item.cover_image_url == data["images"][0]["uri"] and data["images"][0]["type"] == "primary"
    assert item.cover_image_url.startswith("https://img.discogs.com/")


def test_thirteen_videos_in_release_order():
    videos = load_release(release("1052359_umiliani_lp_13-videos.json")).videos
    assert [(v.order_index, v.video_id) for v in videos] == list(enumerate([
        "-DaZZMDMAWs", "jmbz-dbDQho", "acvC7XAySas", "IWHvEMBs05Y", "DGDRkA0ETZA", "GlP1sOjoaHE",
        "atQ7Dl15AH0", "YrfN2MO40ss", "j8B5zlzF_KQ", "g4D1_MQTuXw", "pq6cb6StGeM", "f2VvgumMXU8",
        "5wlnBhvf0fI"]))
    assert (videos[0].duration_seconds, videos[0].embed) == (215, True)


def test_release_currency_is_the_one_the_request_asked_for():
    assert load_release(release("10507194_holovr_12in_2022.json"), currency="eur").price_currency == "EUR"


# --- listings: every recorded listing, every field ------------------------------------


@pytest.mark.parametrize(("name", "index"), listing_params())
def test_listing_fields(name, index):
    data = listings_in(name)[index]
    rel = data["release"]
    item = load_listing(data)
    assert isinstance(item, ListingItem)

    assert item.listing_id == data["id"]
    assert item.seller_username == data["seller"]["username"]
    assert item.release_id == rel["id"]
    assert item.title == rel["title"]
    assert item.format == rel["format"].strip()
    assert item.year == (rel["year"] or None)
    catno = rel["catalog_number"].strip()
    assert item.catalog_number == (None if catno in ("", "none") else catno)
    assert item.status == data["status"]
    assert item.condition == data["condition"]
    assert item.sleeve_condition == (data["sleeve_condition"] or None)
    assert (item.price, item.currency) == (data["price"]["value"], data["price"]["currency"])
    assert (item.original_price, item.original_currency) == (
        data["original_price"]["value"], data["original_price"]["curr_abbr"])
    assert (item.shipping_price, item.shipping_currency) == (
        data["shipping_price"].get("value"), data["shipping_price"].get("currency"))
    assert item.ships_from == data["ships_from"]
    assert item.posted == utc(data["posted"])
    assert item.allow_offers is data["allow_offers"]
    assert item.comments == (html.unescape(data["comments"]) or None)
    assert item.item_url == data["uri"]
    assert item.thumbnail_url == (rel["thumbnail"] or None)
    assert item.have_count == rel["stats"]["community"]["in_collection"]
    assert item.want_count == rel["stats"]["community"]["in_wantlist"]
    assert (item.genres, item.styles) == ([], [])
    assert item.seller == load_seller(data["seller"])

    # The display string loses only the " (n)" suffixes and the "*" ANV marks.
    assert not re.search(r" \(\d+\)(\Z|[ ,*])|\*(\Z|[ ,])", item.artist)
    if not re.search(r"\(\d+\)|\*", rel["artist"]):
        assert item.artist == rel["artist"]


@pytest.mark.parametrize(
    ("listing_id", "artist"),
    [
        (891183783, "John Cameron"),
        (1077334412, "Dee Dee, Barry And The Movements"),
        (1066679912, "Alexander Courage / John Williams"),
    ],
)
def test_listing_artist_display_strings(listing_id, artist):
    listings = [l for name in BROTHERLOGIC for l in listings_in(name)]
    (listing,) = [l for l in listings if l["id"] == listing_id]
    assert load_listing(listing).artist == artist


def test_the_recorded_crawl_loads_322_distinct_listings():
    items = [load_listing(l) for name in BROTHERLOGIC for l in listings_in(name)]
    assert len({i.listing_id for i in items}) == 322
    assert len({i.release_id for i in items}) == 320
    assert sum(i.year is None for i in items) == sum(l["release"]["year"] == 0
                                                     for name in BROTHERLOGIC for l in listings_in(name))


def test_listing_comments_are_unescaped():
    item = load_listing(body("marketplace_listings/2218783261_non-owner_2022-11.json"))
    assert item.comments.startswith("B&W paper inner sleeve with photos.")
    assert (item.shipping_price, item.shipping_currency) == (13.0, "USD")


def test_public_view_listing_without_shipping_price():
    listing = listings_in(SOMESELLER)[0]
    assert listing["shipping_price"] == {}
    item = load_listing(listing)
    assert (item.shipping_price, item.shipping_currency) == (None, None)
    assert item.comments == "Case has some scratches. Nothing major"
    assert item.seller.min_order_total == 9.99


def test_deleted_listing_keeps_its_status_and_first_image():
    item = load_listing(body("marketplace_listings/647415422_deleted_owner.json"))
    assert (item.status, item.year, item.allow_offers) == ("Deleted", 2017, True)


# --- sellers --------------------------------------------------------------------------


def test_seller_fields():
    seller = listings_in(BROTHERLOGIC[0])[0]["seller"]
    assert load_seller(seller) == SellerItem(
        seller_id=150295,
        username="BrotherLogic",
        rating=99.4,
        stars=4.5,
        total_ratings=350,
        html_url="https://www.discogs.com/user/BrotherLogic",
        avatar_url=seller["avatar_url"],
        payment="PayPal",
        shipping=seller["shipping"],
        min_order_total=None,
    )


def test_seller_with_minimum_order():
    item = load_seller(body("marketplace_listings/2218783261_non-owner_2022-11.json")["seller"])
    assert (item.seller_id, item.username, item.rating, item.stars, item.total_ratings, item.min_order_total) == (
        13979822, "PrinceofPiney", 100.0, 5.0, 3, 5.0)
    assert item.payment == "PayPal Commerce"


# --- the selector add_jmes reads ------------------------------------------------------

QUERIES = ["id", "release.stats.community.in_collection", "shipping_price.value", "seller.stats.rating",
           "labels[0].name", "genres", "styles", "images[?type=='primary'].uri", "tracklist[].title",
           "no.such.path", "release.images", "community.rating.average", "year"]


# Plain paths with list indexes are walked step by step, not by jmespath: the edge cases.
INDEXED = {"labels": [{"name": "A", "catno": ""}, {"name": "B"}], "one": {"name": "x"}, "nested": [[1, 2], [3]],
           "text": "abc", "empty": []}


@pytest.mark.parametrize("query", ["labels[0].name", "labels[1].name", "labels[1].catno", "labels[2].name",
                                   "labels[0]", "one[0].name", "text[0]", "empty[0]", "nested[0][1]",
                                   "nested[1][1]", "nested[0][1].x", "missing[0]", "labels[0].name.more"])
def test_indexed_paths_answer_like_jmespath(query):
    assert JsonSelector(INDEXED).search(query) == jmespath.search(query, INDEXED)
    assert JsonSelector(INDEXED).jmespath(query).getall() == Selector(root=INDEXED).jmespath(query).getall()


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("name", ["releases/1161277_stockhausen_index-subtracks_no-videos.json",
                                  "releases/3362530_ted-lucas_7in_year0_no-styles.json",
                                  "marketplace_listings/2218783261_non-owner_2022-11.json"])
def test_json_selector_answers_like_parsel(name, query):
    data = body(name)
    assert JsonSelector(data).jmespath(query).getall() == Selector(root=data).jmespath(query).getall()


# --- sparse bodies --------------------------------------------------------------------


def test_a_2014_shaped_listing_loads_what_it_has():
    # The 2014 docs example: no original/shipping price, no stats, release reduced to a summary.
    listing = {"id": 172723812, "status": "For Sale", "price": {"currency": "USD", "value": 120},
               "allow_offers": False, "comments": "Brand new", "seller": {"username": "rodneyfool", "id": 1},
               "release": {"id": 5610049, "description": "LCD Soundsystem - The Long Goodbye (5xLP)",
                           "catalog_number": "none", "year": 2014, "thumbnail": ""}}
    item = load_listing(listing)
    assert (item.listing_id, item.release_id, item.price, item.currency, item.year) == (
        172723812, 5610049, 120.0, "USD", 2014)
    assert (item.catalog_number, item.thumbnail_url, item.have_count, item.original_price) == (None, None, None, None)
    assert item.seller == SellerItem(seller_id=1, username="rodneyfool")


def test_empty_bodies_give_empty_items():
    assert load_listing({}) == ListingItem(raw={})
    assert load_release({}) == ReleaseItem(raw={})
    assert load_seller({}) == SellerItem()


# --- the lean loaders give what plain itemloaders gives ------------------------------------
#
# loaders.LeanLoader compiles processors and JMESPath once per class and reads whole
# FieldPaths tables in one loop. The reference is the same declarations on a stock
# itemloaders.ItemLoader, fed by parsel's Selector (the stock way to serve add_jmes), with
# a table read as one add_jmes call per pair: the loaders as they were before the lean path.
# The recorded samples are discogs_harvest/sandbox/data's copy of ../shared/discogs-api-samples
# (inventory/, marketplace_listings/ and releases/ are the same files).


def plain(loader_class):
    """``loader_class``'s declarations (item class, defaults, ``<field>_in/_out``) on a stock
    ``ItemLoader``, with ``add_jmes_paths`` as plain ``add_jmes`` calls and ``add_values`` as
    plain ``add_value`` calls."""
    declared = {}
    for klass in reversed(loader_class.__mro__):
        if issubclass(klass, loaders.LeanLoader):
            declared.update((name, value) for name, value in vars(klass).items()
                            if name.startswith("default_") or name.endswith(("_in", "_out")))

    def add_jmes_paths(self, paths):
        for field_name, query in paths:
            self.add_jmes(field_name, query)
        return self

    def add_values(self, *pairs):
        for field_name, value in pairs:
            self.add_value(field_name, value)
        return self

    return type(f"Plain{loader_class.__name__}", (ItemLoader,),
                {**declared, "add_jmes_paths": add_jmes_paths, "add_values": add_values})


@pytest.fixture
def stock(monkeypatch):
    """Run the loaders of this module on stock itemloaders and parsel inside ``with stock:``."""
    from contextlib import contextmanager

    @contextmanager
    def patched():
        with pytest.MonkeyPatch.context() as patch:
            for name in ("SellerLoader", "ListingLoader", "ReleaseLoader"):
                patch.setattr(loaders, name, plain(getattr(loaders, name)))
            patch.setattr(loaders, "JsonSelector", lambda root: Selector(root=root))
            yield

    return patched


# Bodies no recording shows: wrong types where scalars are expected, lists and objects where
# a path ends, numbers as strings, the other id of a seller. They take itemloaders' slow paths
# (flatten of a selected object, processors run on lists) inside the lean loader.
ODD_LISTINGS = [
    {},
    {"id": "12", "price": {"value": "3.50", "currency": "eur"}, "seller": {"uid": "7", "username": " x "},
     "release": {"artist": ["A (2)", "B*"], "title": "", "year": "1999", "stats": {"community": []}}},
    {"id": {"a": 1, "b": 2}, "status": ["For Sale", None, 3], "comments": 5, "allow_offers": "true",
     "release": [{"id": 1}], "shipping_price": {}, "seller": {"id": None, "uid": 9, "stats": {"rating": "99.1"}},
     "weight": "180", "location": ["shelf", "box"], "posted": "2019-04-03T09:43:04-07:00"},
    {"id": 1.0, "release": {"id": True, "title": 12, "catalog_number": "none", "description": {"text": "x"}}, "audio": "false",
     "seller": "rodneyfool", "original_price": {"value": float("inf"), "curr_abbr": "USD"}},
]
ODD_RELEASES = [
    {},
    {"id": "5", "title": None, "labels": [{"name": "L (3)", "catno": "none"}], "year": "0", "genres": ["Rock", None],
     "styles": "Punk", "community": {"rating": {"average": "4.5", "count": "2"}, "contributors": [{"username": "u"}, 3]},
     "tracklist": [{"title": "t", "sub_tracks": [{"title": "s"}]}, "junk"], "videos": [{"uri": "https://youtu.be/abcdefghijk"}] * 2},
    {"id": 7, "artists": "not a list", "formats": [{"name": "CD", "qty": "2"}, None], "images": [{}, {"type": "primary"}],
     "community": [], "data_quality": ["Correct"], "notes": "  ", "blocked_from_sale": "True", "lowest_price": "1e3"},
]


def lean_and_stock(stock, function, data, **kwargs):
    lean = function(data, **kwargs)
    with stock():
        reference = function(data, **kwargs)
    return lean, reference


@pytest.mark.parametrize(("name", "index"), listing_params())
def test_lean_listing_is_the_plain_itemloaders_listing(stock, name, index):
    lean, reference = lean_and_stock(stock, load_listing, listings_in(name)[index])
    assert type(lean) is type(reference) is ListingItem
    assert lean == reference


@pytest.mark.parametrize("index", range(len(ODD_LISTINGS)))
def test_lean_listing_is_the_plain_one_on_odd_bodies(stock, index):
    lean, reference = lean_and_stock(stock, load_listing, ODD_LISTINGS[index])
    assert lean == reference


@pytest.mark.parametrize("name", RELEASE_FILES)
@pytest.mark.parametrize("currency", [None, "EUR"])
def test_lean_release_is_the_plain_itemloaders_release(stock, name, currency):
    lean, reference = lean_and_stock(stock, load_release, release(name), currency=currency)
    assert type(lean) is type(reference) is ReleaseItem
    assert lean == reference


@pytest.mark.parametrize("index", range(len(ODD_RELEASES)))
def test_lean_release_is_the_plain_one_on_odd_bodies(stock, index):
    lean, reference = lean_and_stock(stock, load_release, ODD_RELEASES[index])
    assert lean == reference


@pytest.mark.parametrize("release_id", [90_000_001 + 7919 * n for n in range(25)])
def test_lean_release_is_the_plain_one_on_synthetic_releases(stock, release_id):
    from discogs_harvest.sandbox.generator import release_body, synthetic_core

    lean, reference = lean_and_stock(stock, load_release, release_body(synthetic_core(release_id)))
    assert lean == reference


@pytest.mark.parametrize("name", BROTHERLOGIC + [SOMESELLER])
def test_a_seller_is_loaded_once_per_id(name):
    sellers = {}
    shared = [load_listing(listing, sellers=sellers) for listing in listings_in(name)]
    assert shared == [load_listing(listing) for listing in listings_in(name)]
    assert len({id(item.seller) for item in shared}) == len(sellers) == 1
    assert next(iter(sellers.values())) is shared[0].seller


def test_the_reference_is_stock_itemloaders(stock):
    with stock():
        assert not issubclass(loaders.ListingLoader, loaders.LeanLoader)
        assert issubclass(loaders.ListingLoader, ItemLoader)


@pytest.mark.parametrize(
    ("processor", "values"),
    [
        (MapCompose(str.strip, str.upper), [" a ", "b"]),
        (MapCompose(lambda v: None if v == "x" else [v, v]), ["x", "y"]),
        (Compose(lambda v: v[0], str.upper), ["hello", "world"]),
        (Compose(lambda v: None, str.upper), ["a"]),
        (Compose(lambda v: None, lambda v: "kept", stop_on_none=False), ["a"]),
        (Compose(loaders.p.flatten_tracklist, MapCompose(loaders.load_track)), [{"title": "t"}]),
        (TakeFirst(), ["", None, "one"]),
    ],
)
def test_compiled_processors_give_what_itemloaders_gives(processor, values):
    compiled = loaders.compile_processor(processor)
    assert compiled is not None
    assert compiled(list(values)) == processor(list(values))


def test_a_processor_that_reads_the_loader_context_is_not_compiled():
    def reads(value, loader_context):
        return loader_context.get("suffix", "") + value

    assert loaders.compile_processor(MapCompose(reads)) is None
    assert loaders.compile_processor(Compose(str.strip, MapCompose(reads))) is None


def test_compiled_processors_raise_what_itemloaders_raises():
    processor = MapCompose(int)
    with pytest.raises(ValueError) as stock_error:
        processor(["x"])
    with pytest.raises(ValueError) as lean_error:
        loaders.compile_processor(processor)(["x"])
    assert str(lean_error.value) == str(stock_error.value)


@pytest.mark.parametrize("name", RELEASE_FILES)
def test_lean_release_is_the_plain_one_on_dump_shaped_bodies(stock, name):
    # The dump import loads <release> elements as bodies of its own shape (strings for ints,
    # no community, prices or URLs): the same item on stock itemloaders.
    from lxml import etree

    from discogs_harvest.dump.release import release_body
    from discogs_harvest.sandbox.dumps import release_xml

    lean, reference = lean_and_stock(stock, load_release, release_body(etree.fromstring(release_xml(release(name)))))
    assert lean == reference


@pytest.mark.parametrize("value", [None, "text", 3, 2.5, True, {"id": 1}, [1, 2], (1, 2), {1, 2}, iter([1]),
                                   *(cls() for cls in sorted(loaders._SINGLE - {str, int, float, bool, type(None), dict},
                                                              key=lambda cls: cls.__name__))],
                         ids=lambda value: type(value).__name__)
def test_as_list_is_arg_to_iter(value):
    """The loaders' shortcut gives what itemloaders' ``arg_to_iter`` gives, items included."""
    from itemloaders.utils import arg_to_iter

    assert loaders._as_list(value) == arg_to_iter(value)
