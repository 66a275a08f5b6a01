"""Field clean-up functions, on values seen in the recorded samples (releases/, inventory/,
marketplace_listings/, collection/, dumps/ of discogs-api-samples), plus the forms the
API facts name but no sample shows (marked "not in the samples")."""

import datetime

import pytest

from discogs_harvest import processors as p

pytestmark = pytest.mark.timeout(10)


# --- durations ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text", "seconds"),
    [
        ("3:01", "3:01", 181),  # m:ss, 1161277
        ("0:38", "0:38", 38),  # 565473 "Backward Dog"
        ("9:44", "9:44", 584),  # 4707982
        ("13:49", "13:49", 829),  # mm:ss, releases/
        ("7:54", "7:54", 474),  # dumps/ releases sample
        ("148:00", "148:00", 8880),  # minutes > 59 (API_FACTS, 2020 dump); text not rewritten
        ("1:02:03", "1:02:03", 3723),  # h:mm:ss, not in the samples
        (" 3:32 ", "3:32", 212),
        ("", None, None),  # very common (1052359, 2370027)
        (None, None, None),
        ("3:5", None, None),
        ("3:60", None, None),
        ("3.45", None, None),
        ("1:60:00", None, None),
        ("-1:00", None, None),
        ("abc", None, None),
        (213, None, None),  # a video's duration is an int, not a track duration string
    ],
)
def test_duration(raw, text, seconds):
    assert p.clean_duration(raw) == text
    assert p.duration_seconds(raw) == seconds


# --- years --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "year"),
    [
        (2002, 2002),
        (1969, 1969),
        (0, None),  # unknown year, 3362530 and 27 inventory listings
        ("1969", 1969),  # search results give strings
        ("0", None),
        ("", None),
        (None, None),
        ("1987-07-00", None),  # a `released` value is not a year
        (True, None),
    ],
)
def test_clean_year(raw, year):
    assert p.clean_year(raw) == year


# --- YouTube ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "video_id"),
    [
        ("https://www.youtube.com/watch?v=GlfaOqBH_NU", "GlfaOqBH_NU"),  # 10507194
        ("https://www.youtube.com/watch?v=-DaZZMDMAWs", "-DaZZMDMAWs"),  # 1052359, leading "-"
        ("https://www.youtube.com/watch?v=_cf3fxUDZvM", "_cf3fxUDZvM"),  # 249504, leading "_"
        ("https://www.youtube.com/watch?v=dhbf58AU5ek", "dhbf58AU5ek"),  # dumps/ <video src=...>
        # the other URL forms YouTube uses, not in the samples:
        ("https://www.youtube.com/watch?feature=youtu.be&v=dQw4w9WgXcQ&t=10s", "dQw4w9WgXcQ"),
        ("http://m.youtube.com/watch?v=dQw4w9WgXcQ&list=PL1", "dQw4w9WgXcQ"),
        ("youtube.com/watch?v=dQw4w9WgXcQ", "dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ", "dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ?t=42", "dQw4w9WgXcQ"),
        ("https://www.youtube.com/embed/dQw4w9WgXcQ?autoplay=1&rel=0", "dQw4w9WgXcQ"),
        ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "dQw4w9WgXcQ"),
        ("https://www.youtube.com/v/dQw4w9WgXcQ", "dQw4w9WgXcQ"),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "dQw4w9WgXcQ"),
        # not a video
        ("http://www.youtube.com/user/planetedetroit", None),  # labels/1_planet-e_2014.json
        ("https://www.youtube.com/user/NickelbackVEVO", None),  # artists/108713
        ("https://www.youtube.com/watch?v=short", None),
        ("https://www.youtube.com/watch", None),
        ("https://notyoutube.com/watch?v=dQw4w9WgXcQ", None),
        ("https://vimeo.com/76979871", None),
        ("https://www.discogs.com/release/249504", None),
        ("", None),
        (None, None),
    ],
)
def test_youtube_id(url, video_id):
    assert p.youtube_id(url) == video_id


@pytest.mark.parametrize("url", [
    *(f"{scheme}://{host}youtube.com/watch?v=GlfaOqBH_NU" for scheme in ("http", "https") for host in ("", "www.")),
    "https://www.youtube.com/watch?v=-DaZZMDMAWs", "https://www.youtube.com/watch?v=_cf3fxUDZvM",
    "https://www.youtube.com/watch?v=GlfaOqBH_NU&t=1", "https://www.youtube.com/watch?v=GlfaOqBH_N",
    "https://www.youtube.com/watch?v=GlfaOqBH_NUx", "https://WWW.YouTube.com/watch?v=GlfaOqBH_NU",
    "https://www.youtube.com/watch?v=GlfaOqBH%NU", "https://www.youtube.com/watch?v=GlfaOqBH_NU#t=1",
])
def test_youtube_id_plain_watch_urls_read_as_by_their_parts(url):
    # The plain watch?v= form is read by a pattern first: it gives what the general path gives.
    assert p.youtube_id(url) == p._parsed_youtube_id(url)


def test_numbered_videos_keeps_youtube_videos_once_in_order():
    videos = [
        {"uri": "https://www.youtube.com/watch?v=-DaZZMDMAWs", "duration": 215},
        {"uri": "https://vimeo.com/76979871", "duration": 1},
        {"uri": "https://www.youtube.com/watch?v=jmbz-dbDQho", "duration": 163},
        {"uri": "https://youtu.be/-DaZZMDMAWs", "duration": 215},
    ]
    assert p.numbered_videos(videos) == [
        {"uri": "https://www.youtube.com/watch?v=-DaZZMDMAWs", "duration": 215, "order_index": 0},
        {"uri": "https://www.youtube.com/watch?v=jmbz-dbDQho", "duration": 163, "order_index": 1},
    ]
    assert p.numbered_videos(None) == []  # key absent: 1161277, 2370027


# --- sides --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("position", "side"),
    [
        ("A1", "A"),
        ("B2", "B"),
        ("C3", "C"),  # 1052359, 2 LPs
        ("A", "A"),  # 249504 7"
        ("G", "G"),  # 2370027, a one-track side
        ("T5", "T"),  # 2370027, the 20th side
        ("AA1", "AA"),  # double A-side, not in the samples
        ("AA", "AA"),
        ("A1a", "A"),  # a part of A1
        ("A1.1", "A"),
        ("a", None),  # 565473 (a CD): parts of track 13, not a side
        ("a1", None),
        ("AB1", None),
        ("1", None),  # 565473
        ("1-1", None),  # 4707982, disc 1 track 1
        ("1-5", None),
        ("CD-1", None),
        ("CD1-1", None),
        ("1-5.1", None),
        ("DVD1", None),
        ("", None),  # headings and index rows
        (None, None),
    ],
)
def test_track_side(position, side):
    assert p.track_side(position) == side


# --- tracklists ---------------------------------------------------------------

# Shapes from 1161277 (index + sub_tracks) and 4707982 (headings), shortened.
INDEX_TRACKLIST = [
    {"position": "", "type_": "index", "title": "Choral (1950) Für Chor A Capella", "duration": "",
     "sub_tracks": [
         {"position": "4", "type_": "track", "title": "1. Strophe", "duration": "2:07"},
         {"position": "5", "type_": "track", "title": "2. Strophe", "duration": "2:30"},
     ]},
    {"position": "", "type_": "heading", "title": "Bonus Tracks - Mono Mixes", "duration": ""},
    {"position": "1-12", "type_": "track", "title": "Chocolate River", "duration": "3:09"},
]


def test_flatten_tracklist_keeps_every_row_in_order_with_its_type():
    rows = p.flatten_tracklist(INDEX_TRACKLIST)
    assert [(r["sequence"], r["type"], r["parent_sequence"], r["position"], r["title"], r["duration"])
            for r in rows] == [
        (0, "index", None, "", "Choral (1950) Für Chor A Capella", ""),
        (1, "track", 0, "4", "Choral (1950) Für Chor A Capella: 1. Strophe", "2:07"),
        (2, "track", 0, "5", "Choral (1950) Für Chor A Capella: 2. Strophe", "2:30"),
        (3, "heading", None, "", "Bonus Tracks - Mono Mixes", ""),
        (4, "track", None, "1-12", "Chocolate River", "3:09"),
    ]


def test_flatten_tracklist_track_artists():
    # 3362530: track-level artists on the A side, join "&" and a trailing ","
    artists = [{"name": "Ted Lucas", "anv": "", "join": "&"},
               {"name": "The Horny Toads (2)", "anv": "", "join": ","}]
    index_artists = [{"name": "Karlheinz Stockhausen", "anv": "Stockhausen", "join": ""}]
    tracklist = [
        {"position": "A", "type_": "track", "title": "Head In California", "duration": "3:05",
         "artists": artists},
        {"position": "", "type_": "index", "title": "Kreuzspiel", "duration": "", "artists": index_artists,
         "sub_tracks": [{"position": "12", "type_": "track", "title": "I", "duration": "3:08"}]},
    ]
    rows = p.flatten_tracklist(tracklist)
    assert [row["artists"] for row in rows] == [artists, index_artists, index_artists]  # sub-tracks inherit
    assert [row["own_artists"] for row in rows] == [artists, index_artists, []]  # as sent


def test_flatten_tracklist_keeps_a_track_with_parts_whole_and_its_parts_after_it():
    # A medley: a playable track whose sub_tracks name its parts (not in the samples).
    tracklist = [{"position": "A1", "type_": "track", "title": "Medley", "duration": "6:00",
                  "sub_tracks": [{"position": "A1a", "type_": "track", "title": "One", "duration": ""},
                                 {"position": "A1b", "type_": "track", "title": "Two", "duration": ""}]}]
    assert [(row["type"], row["title"]) for row in p.flatten_tracklist(tracklist)] == [
        ("track", "Medley"), ("sub_track", "One"), ("sub_track", "Two")]


def test_flatten_tracklist_without_type_():
    # 2014-era bodies and the dumps have no type_: sub_tracks mean an index.
    tracklist = [{"position": "", "title": "Suite", "duration": "",
                  "sub_tracks": [{"position": "1", "title": "Part", "duration": "1:00"}]},
                 {"position": "2", "title": "Song", "duration": "2:00"}]
    assert [(row["type"], row["title"]) for row in p.flatten_tracklist(tracklist)] == [
        ("index", "Suite"), ("track", "Suite: Part"), ("track", "Song")]
    assert p.flatten_tracklist(None) == []


# --- names and credits --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "clean"),
    [
        ("John Cameron (2)", "John Cameron"),  # inventory
        ("Wool (4)", "Wool"),  # 2425133
        ("The Horny Toads (2)", "The Horny Toads"),  # 3362530 track artist
        ("Ascension Records (5)", "Ascension Records"),  # 1823781 label
        ("One (20)", "One"),
        ("Mark III (4)", "Mark III"),
        ("Various", "Various"),
        ("Stock, Hausen & Walkman", "Stock, Hausen & Walkman"),
        ("Sparrowfall (1) Remix", "Sparrowfall (1) Remix"),  # only a trailing suffix
        ("", None),
        (None, None),
    ],
)
def test_strip_name_suffix(name, clean):
    assert p.strip_name_suffix(name) == clean


@pytest.mark.parametrize(
    ("text", "clean"),
    [  # listing release.artist strings from inventory/brotherlogic_*
        ("John Cameron (2)", "John Cameron"),
        ("Alexander Courage / John Williams (4)", "Alexander Courage / John Williams"),
        ("Dee Dee*, Barry And The Movements*", "Dee Dee, Barry And The Movements"),
        ("The Sugarman Three*", "The Sugarman Three"),
        ("808_State*", "808_State"),
        ("Paul Raymond (3) Presents Fiona*", "Paul Raymond Presents Fiona"),
        ("Sidney Pinchback & Schiller Street Gang* / Schiller Street Gang*",
         "Sidney Pinchback & Schiller Street Gang / Schiller Street Gang"),
        ("Ian Green (2) Featuring Rosetta Hightower, M.B. & Friends",
         "Ian Green Featuring Rosetta Hightower, M.B. & Friends"),
        ('The "Great" Deltas*', 'The "Great" Deltas'),
        ("Dave Dee, Dozy, Beaky, Mick & Tich", "Dave Dee, Dozy, Beaky, Mick & Tich"),
        ("a-ha", "a-ha"),  # marketplace_listings/2218783261
        ("", None),
    ],
)
def test_clean_credit_text(text, clean):
    assert p.clean_credit_text(text) == clean


def artists(*triples):
    return [{"name": name, "anv": anv, "join": join, "id": 1} for name, anv, join in triples]


@pytest.mark.parametrize(
    ("credit", "text"),
    [
        (artists(("Rick Astley", "", ",")), "Rick Astley"),  # 249504: trailing join ignored
        (artists(("Wool (4)", "", "")), "Wool"),  # 2425133
        (artists(("Karlheinz Stockhausen", "Stockhausen", "")), "Stockhausen"),  # 1161277, anv
        (artists(("Ted Lucas", "", "&"), ("The Horny Toads (2)", "", ",")), "Ted Lucas & The Horny Toads"),
        (artists(("Fredrik Stark", "", "&"), ("City Dreams", "Citydreams", "")),
         "Fredrik Stark & Citydreams"),  # dumps/ release 41
        (artists(("Ann Robinson", "", "/"), ("Freedom Now Brothers", "", ",")),
         "Ann Robinson / Freedom Now Brothers"),  # collection/; the inventory shows the same string
        (artists(("Malcolm Arnold", "", ","), ("The Royal Philharmonic Orchestra", "London Royal Philharmonic", "")),
         "Malcolm Arnold, London Royal Philharmonic"),
        (artists(("Stone Breath", "", "/"), ("Mike Seed", "", "with the"), ("Language Of Light", "", "")),
         "Stone Breath / Mike Seed with the Language Of Light"),
        (artists(("Salah Ragab", "", "And"), ("The Cairo Jazz Band", "", ",")), "Salah Ragab And The Cairo Jazz Band"),
        (artists(("Robbie Basho", "Robbie Băsho", "/"), ("John Fahey", "", "/"), ("Max Ochs", "", "/"),
                 ("Harry Taussig", "", "/"), ("Bukka White", "", "")),
         "Robbie Băsho / John Fahey / Max Ochs / Harry Taussig / Bukka White"),
        (artists(("DJ A", "", "vs"), ("DJ B", "", "")), "DJ A vs DJ B"),  # API_FACTS: "vs" observed
        (artists(("A", "", ""), ("B", "", "")), "A, B"),  # missing join between artists
        ([{"name": "Various", "id": 194}], "Various"),  # dumps/ releases 103, 1586309
        ([], None),
        (None, None),
    ],
)
def test_artist_credit(credit, text):
    assert p.artist_credit(credit) == text


# --- formats, images, catalog numbers -----------------------------------------


@pytest.mark.parametrize(
    ("formats", "text"),
    [
        ([{"name": "Vinyl", "qty": "1", "descriptions": ["LP", "Album", "Reissue"]}],
         "Vinyl, LP, Album, Reissue"),  # 1823781
        ([{"descriptions": ["LP", "Album", "Reissue"], "text": "Gatefold", "name": "Vinyl", "qty": "1"}],
         "Vinyl, LP, Album, Reissue, Gatefold"),  # 2535152: free text last
        ([{"descriptions": ["LP"], "text": "Gatefold", "name": "Vinyl", "qty": "2"}],
         "2 × Vinyl, LP, Gatefold"),  # 1052359: qty > 1
        ([{"qty": "2", "descriptions": ["Album", "Reissue", "Remastered"], "name": "CD"}],
         "2 × CD, Album, Reissue, Remastered"),  # 4707982
        ([{"name": "CD", "qty": "1"}], "CD"),  # 1161277: no descriptions
        ([{"name": "DVD", "qty": "2", "text": "dts", "descriptions": ["DVD-Video", "PAL"]}],
         "2 × DVD, DVD-Video, PAL, dts"),  # dumps/
        ([{"descriptions": ["Compilation"], "name": "Box Set", "qty": "1"}]
         + [{"descriptions": ["LP", "Album", "Reissue"], "name": "Vinyl", "qty": "1"}] * 9
         + [{"descriptions": ["LP"], "name": "Vinyl", "qty": "1"},
            {"descriptions": ['12"', "Compilation"], "name": "Vinyl", "qty": "1"}],
         'Box Set, Compilation + 9 × Vinyl, LP, Album, Reissue + Vinyl, LP + Vinyl, 12", Compilation'),  # 2370027
        ([{"name": "Vinyl", "qty": "", "descriptions": ["LP"]}], "Vinyl, LP"),
        ([{"name": "", "qty": "1"}], None),
        ([], None),
        (None, None),
    ],
)
def test_format_text(formats, text):
    assert p.format_text(formats) == text


PRIMARY = "https://img.discogs.com/2e3s-w-JF4jdIeUTkIXjTsJY9Kw=/fit-in/600x600/R-249504.jpg"
SECONDARY = "https://img.discogs.com/8OTMd_Jorwa_HMwgne4SGxtdTDM=/fit-in/600x600/R-249504-2.jpg"


@pytest.mark.parametrize(
    ("images", "url"),
    [
        ([{"type": "secondary", "uri": SECONDARY}, {"type": "primary", "uri": PRIMARY}], PRIMARY),
        ([{"type": "secondary", "uri": SECONDARY}], SECONDARY),  # marketplace_listings/647415422
        ([{"type": "primary", "uri": "", "uri150": "", "width": 600}], None),  # unauthenticated 249504
        ([], None),
        (None, None),
    ],
)
def test_cover_image_url(images, url):
    assert p.cover_image_url(images) == url


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("KES 001 CD", "KES 001 CD"), ("DEMWHOLP001 ", "DEMWHOLP001"), ("none", None), ("", None), (None, None)],
)
def test_clean_catalog_number(raw, clean):
    assert p.clean_catalog_number(raw) == clean


@pytest.mark.parametrize(("raw", "url"), [("", None), (None, None), (PRIMARY, PRIMARY)])
def test_clean_url(raw, url):
    assert p.clean_url(raw) == url


# --- prices, numbers, text ----------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        (10.35, 10.35),  # price.value
        (7.6, 7.6),
        (13, 13.0),  # original_shipping_price.value as an int (2218783261)
        ("99.4", 99.4),  # seller stats.rating
        ("100.0", 100.0),
        (None, None),  # lowest_price: null (2370027)
        ("", None),
        ({}, None),
        ("$10.35", None),
        ("nan", None),
        (True, None),
    ],
)
def test_to_float(raw, number):
    assert p.to_float(raw) == number


@pytest.mark.parametrize(
    ("raw", "number"),
    [(350, 350), ("2", 2), (" 2 ", 2), (1.0, 1), (1.5, None), ("", None), ("--5", None), (True, None), (None, None)],
)
def test_to_int(raw, number):
    assert p.to_int(raw) == number


@pytest.mark.parametrize(
    ("raw", "code"), [("USD", "USD"), ("usd", "USD"), ("US$", None), ("", None), (None, None)]
)
def test_currency_code(raw, code):
    assert p.currency_code(raw) == code


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("B&amp;W paper inner sleeve with photos. Lightly corner bumped.",
         "B&W paper inner sleeve with photos. Lightly corner bumped."),  # 2218783261
        ("Has hype sticker", "Has hype sticker"),
        ("", None),  # brotherlogic listings without comments
        ("  ", None),
        (None, None),
    ],
)
def test_unescape_text(raw, text):
    assert p.unescape_text(raw) == text


@pytest.mark.parametrize(("raw", "value"), [(True, True), (False, False), ("true", True), ("false", False),
                                             ("yes", None), (None, None)])
def test_to_bool(raw, value):
    assert p.to_bool(raw) == value  # "true": dumps/ <video embed="true">


@pytest.mark.parametrize(("raw", "text"), [("United States", "United States"), ("  UK ", "UK"), ("", None), (5, None)])
def test_clean_text(raw, text):
    assert p.clean_text(raw) == text


def test_first_value_keeps_empty_text():
    assert p.first_value([None, "", "x"]) == ""
    assert p.first_value([]) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-04-03T09:43:04-07:00", "2019-04-03 16:43:04"),
        ("2019-12-03T09:43:04-08:00", "2019-12-03 17:43:04"),
        ("2014-01-01 10:00:00", "2014-01-01 10:00:00"),  # 2014: no offset, taken as UTC
        ("2019-04-03T23:43:04.250-07:00", "2019-04-04 06:43:04"), ("2019-04-03T09:43:04Z", "2019-04-03 09:43:04"),
        ("0999-04-03T09:43:04", datetime.datetime(999, 4, 3, 9, 43, 4).strftime("%Y-%m-%d %H:%M:%S")),
        ("", None), (None, None), ("soon", None),
    ],
)
def test_utc_timestamp(value, expected):
    assert p.utc_timestamp(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Persuader, The", "The Persuader"), ("Persuader, The (2)", "The Persuader"), ("Wool (4)", "Wool"),
     ("Earth, Wind & Fire", "Earth, Wind & Fire"), ("The Seeds", "The Seeds")],
)
def test_display_name_follows_discogs(value, expected):
    assert p.display_name(value) == expected
    assert p.artist_credit([{"name": value}]) == expected


def test_listing_display_string_with_the_old_article_form():
    assert p.clean_credit_text("Persuader, The") == "The Persuader"
