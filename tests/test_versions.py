"""Version detection (versions.py) on real titles and credit lists of the recorded samples.

Sources: the recorded releases and masters in ``discogs_harvest/sandbox/data`` (the copy of the
shared samples the project ships: whole tracklists, so credits and headings count as in a
harvest), the titles of their YouTube videos and of the listings in the recorded inventory pages;
release 3019999 of ``dumps/discogs_20200806_releases.sample.xml`` (its tracklist and credits written
out below in the API's shape, as the dump import hands them to the one mapping); and a few titles
of ``search/``, ``artist_releases/`` and ``master_versions/``, which only ``../shared`` holds.
"""

import json
from functools import lru_cache
from pathlib import Path

import pytest

from discogs_harvest.loaders import load_release
from discogs_harvest.versions import (Version, credit_roles, detect, names_track, trailing_markers,
                                      tracklist_versions)

DATA = Path(__file__).resolve().parents[1] / "discogs_harvest" / "sandbox" / "data"

# Dump release 3019999 (John McLaughlin & Mahavishnu, "Live At Montreux 1984 / 1974"), as the
# dump gives it: headings are tracks without position or duration; credits name their tracks.
DUMP_3019999 = {
    "id": 3019999,
    "title": "Live At Montreux 1984 / 1974",
    "tracklist": [
        {"position": "", "type_": "heading", "title": "1984"},
        {"position": "1-1", "title": "Radio-Activity"},
        {"position": "1-2", "title": "Nostalgia"},
        {"position": "1-3", "title": "East Side, West Side"},
        {"position": "1-4", "title": "Clarendon Hills"},
        {"position": "", "type_": "heading", "title": "Medley"},
        {"position": "", "type_": "heading", "title": "1974"},
        {"position": "2-1", "title": "Wings Of Karma"},
        {"position": "2-2", "title": "Hymn To Him"},
        {"position": "", "type_": "heading", "title": "Bonus Tracks - Audio Only"},
        {"position": "2-3", "title": "Power Of Love"},
        {"position": "2-4", "title": "Smile Of The Beyond"},
        {"position": "2-5", "title": "Vision Is A Naked Sword"},
        {"position": "2-6", "title": "Dawn"},
    ],
    "extraartists": [
        {"name": "Jonas Hellborg", "role": "Bass", "tracks": "1-1 to 1-5.7"},
        {"name": "Jean Bovon", "role": "Film Director [Television Director 1974]", "tracks": "2-1 to 2-2"},
        {"name": "Jean Kaehr", "tracks": "2-1 to 2-6",
         "role": "Mixed By [1974 Live Sound Mixed By], Recorded By [1974 Live Sound Recorded By]"},
        {"name": "David Richards", "tracks": "1-1 to 1-5.7",
         "role": "Mixed By [1984 Live Sound Mixed By], Recorded By [1984 Live Sound Recorded By]"},
        {"name": "Jean Ristori", "tracks": "",
         "role": "Post Production [Audio Post-production], Mastered By [MTX Mastering]"},
    ],
}

NONE = Version()
LIVE_CREDITS = Version(version="Live", version_signal="credits", is_live=True, live_signal="credits")


def marker(version, **flags):
    signals = {f"{kind}_signal": "marker" for kind in ("remix", "live", "edit") if flags.get(f"is_{kind}")}
    return Version(version=version, version_signal="marker", **flags, **signals)


SESSION = Version(version="Session", version_signal="heading")


@lru_cache(maxsize=None)
def recorded(path):
    """``{position or title: Version}`` of a recorded body's whole tracklist, through the loader."""
    body = DUMP_3019999 if path == "dump:3019999" else json.loads((DATA / path).read_text(encoding="utf-8"))
    item = load_release(body)
    return {track.position or track.title: version
            for track, version in zip(item.tracks, tracklist_versions(item.tracks, item.credits))}


# (source, position in its tracklist, title, expected). Tracks of whole tracklists.
TRACKS = [
    ("releases/249504_rick-astley_7in_token_2017-11.json", "A", "Never Gonna Give You Up", NONE),
    ("releases/249504_rick-astley_7in_token_2017-11.json", "B", "Never Gonna Give You Up (Instrumental)",
     marker("Instrumental")),
    ("releases/565473_gorkys_cd_headings.json", "12", "Tatay (Moog Mix)", marker("Moog Mix")),
    ("releases/565473_gorkys_cd_headings.json", "11", "O, Caroline II", NONE),
    ("releases/565473_gorkys_cd_headings.json", "a", "Anna Apera", NONE),  # under the heading "13 Anna Apera"
    ("releases/4707982_the-seeds_cd_headings.json", "1-1", "Intro/March Of The Flower Children", NONE),
    # Under "Bonus Tracks - Mono Mixes": "Mixes" in a heading is no version.
    ("releases/4707982_the-seeds_cd_headings.json", "1-12", "Chocolate River", NONE),
    ("releases/4707982_the-seeds_cd_headings.json", "1-14", "The Wind Blows Your Hair (Version 2)",
     marker("Version 2")),
    ("releases/4707982_the-seeds_cd_headings.json", "1-21", "Six Dreams (Alt Mix)", marker("Alt Mix")),
    # Under 'Contact High: The "Future" Sessions': the heading names the version.
    ("releases/4707982_the-seeds_cd_headings.json", "2-1", "Rides Too Long", SESSION),
    ("releases/4707982_the-seeds_cd_headings.json", "2-3", "Flower Lady And Her Assistant (Take 1)", SESSION),
    ("releases/4707982_the-seeds_cd_headings.json", "2-4", "Where Is The Entrance Way To Play (Alt Mix)",
     marker("Alt Mix")),  # the marker names it, over the heading
    ("releases/4707982_the-seeds_cd_headings.json", "2-13", "Gypsy Plays His Drums (Version1)", marker("Version1")),
    ("releases/4707982_the-seeds_cd_headings.json", "2-15",
     "900 Million People Daily All Making Love (Full Length Version)", marker("Full Length Version")),
    ("releases/2370027_eno_boxset_no-price_no-videos.json", "J4", "Through Hollow Lands (For Harold Budd)", NONE),
    ("releases/2370027_eno_boxset_no-price_no-videos.json", "U2", "The Lion Sleeps Tonight (Wimoweh)", NONE),
    ("releases/2370027_eno_boxset_no-price_no-videos.json", "K6", "Sparrowfall (1)", NONE),
    ("releases/2370027_eno_boxset_no-price_no-videos.json", "Q5", "An Ending (Ascent)", NONE),
    ("releases/2370027_eno_boxset_no-price_no-videos.json", "B4", "Some Of Them Are Old", NONE),
    ("releases/1823781_axelrod_lp_headings_7-videos.json", "A1", "Part I", NONE),  # under "The Warnings"
    ("releases/1161277_stockhausen_index-subtracks_no-videos.json", "1",
     "Chöre Für Doris (1950) Für Chor A Capella: Die Nachtigall", NONE),  # an index sub-track
    ("releases/2535152_neil-young_lp_reissue.json", "B1", "String Quartet From Whiskey Boot Hill", NONE),
    ("releases/2425133_wool-4_7in_single.json", "A", "Love, Love, Love, Love, Love", NONE),
    # Credits "Producer [Re-produced], Arranged By [Re-arranged]": no Remix role.
    ("masters/33687_2014.json", "A", "O Fortuna (Apocalypse Chorus Mix)", marker("Apocalypse Chorus Mix")),
    ("masters/33687_2014.json", "B", "An Other Thing (Metropoll Sky UnderMix)", NONE),  # a word inside a word
    ("masters/1521183_dj-healer_2022.json", "A1", "At Last (Becalming The Storm)", NONE),
    # Dump 3019999: "Mixed By [1984 Live Sound Mixed By], Recorded By [...]" credited to "1-1 to 1-5.7".
    ("dump:3019999", "1-1", "Radio-Activity", LIVE_CREDITS),
    ("dump:3019999", "1-4", "Clarendon Hills", LIVE_CREDITS),
    ("dump:3019999", "2-1", "Wings Of Karma", LIVE_CREDITS),
    ("dump:3019999", "2-3", "Power Of Love", LIVE_CREDITS),  # under "Bonus Tracks - Audio Only", in "2-1 to 2-6"
]

# (source, title, expected): titles on their own (no credits, no heading).
TITLES = [
    # Titles of the YouTube videos of 249504 and 33687 (what uploaders call the versions).
    ("releases/249504_rick-astley_7in_token_2017-11.json", "Rick Astley - Never Gonna Give You Up (Club Mix)",
     marker("Club Mix")),
    ("releases/249504_rick-astley_7in_token_2017-11.json",
     "Rick Astley - Never Gonna Give You Up (DJ Moch's 12 Extended Dance Remix)",
     marker("12 Extended Dance Remix", is_remix=True, remixer="DJ Moch")),
    ("releases/249504_rick-astley_7in_token_2017-11.json",
     "Rick Astley - Never Gonna Give You Up (Maxi Extended Rework Tony Johns Edit) [1987 HQ]",
     marker("Maxi Extended Rework Tony Johns Edit", is_edit=True)),
    ("releases/249504_rick-astley_7in_token_2017-11.json", "Rick Astley - Never Gonna Give You Up (Pete Hammond Mix)",
     marker("Pete Hammond Mix")),
    ("releases/249504_rick-astley_7in_token_2017-11.json",
     "Rick Astley - Never Gonna Give You Up (Phil Harding 12'' Mix)", marker("Phil Harding 12'' Mix")),
    ("masters/33687_2014.json", "Apotheosis - o fortuna (apocalypse chorus mix) (1991)",
     marker("apocalypse chorus mix")),
    ("shared:artist_releases/6418741_2022.json", "Hopes And Fears (Moritz Remix)",
     marker("Remix", is_remix=True, remixer="Moritz")),
]

# Titles holding "live", "mix", "edit" or "version" as ordinary words (or not as a trailing marker):
# never a version.
ORDINARY = [
    ("releases/249504_rick-astley_7in_token_2017-11.json", "Rick Astley - Never Gonna Give You Up.    16 min version"),
    ("releases/249504_rick-astley_7in_token_2017-11.json", "Never Gonna Give You Up (Cake Mix)    Rick Astley 1987"),
    ("releases/249504_rick-astley_7in_token_2017-11.json",
     "Rick Astley - Never Gonna Give You Up - New Extended Art Remix Kaleidoscope 2017"),
    ("inventory/brotherlogic_status-for-sale_per100_page1.json", "Captain Of The Starship - William Shatner Live!"),
    ("inventory/brotherlogic_status-for-sale_per100_page1.json", "Pop Electronique No. 2 / Mixed Drums"),
    ("inventory/brotherlogic_status-for-sale_per100_page3.json", "10th Anniversary Mix By Andy Votel"),
    ("inventory/brotherlogic_status-for-sale_per100_page3.json", "Voodoo Session"),
    ("inventory/brotherlogic_status-for-sale_per100_page3.json",
     "Ceremony Of Dreams: Studio Sessions And Outtakes, 1972-1977"),
    ("shared:search/type-master_per50_page1_2016_pages-capped-1000.json", "Live At The Witch Trials"),
    ("shared:master_versions/38998_per_page500_clamped_to_100.json", "Live At The Witch Trials (Expanded Edition)"),
    ("shared:artist_releases/45_per50_page1_2014.json", "26 Mixes For Cash"),
    ("shared:artist_releases/45_per50_page1_2014.json", "2 Mixes On A 12\""),
    ("shared:search/type-master_per50_page1_2016_pages-capped-1000.json", "Caribou - Swim Remixes"),
    ("shared:artist_releases/6418741_2022.json", "Nils Hess - DC01 (Remixes) / First Time"),
    ("shared:dumps/discogs_20200806_releases.sample.xml", "Live At Montreux 1984 / 1974"),
    ("shared:dumps/discogs_20200806_releases.sample.xml", "K2morrow [Original Mix] - Peter Hecher"),
    ("shared:dumps/discogs_20200806_releases.sample.xml", "Making Changes (4am Vibez)"),
    ("shared:dumps/discogs_20200806_releases.sample.xml", "I Found You (Flashback)"),
    # The issue's own examples: song titles, and words inside other words.
    ("issue", "Live And Let Die"),
    ("issue", "Mixed Emotions"),
    ("issue", "Editions Of You"),
    ("issue", "Oliver (Deliverance)"),
    ("issue", "Medley (Live And Let Die)"),  # a song title in brackets is no marker either
    ("issue", "Song (Special Edition)"),
]


def test_the_table_is_big_enough():
    real = len(TRACKS) + len(TITLES) + len([row for row in ORDINARY if row[0] != "issue"])
    ordinary_words = [title for source, title in ORDINARY if source != "issue" and any(
        word in title.lower() for word in ("live", "mix", "edit", "version"))]
    assert real >= 40 and len(ordinary_words) >= 10


@pytest.mark.parametrize("source, title", [(row[0], row[-2] if len(row) == 4 else row[1])
                                           for row in TRACKS + TITLES + ORDINARY
                                           if not row[0].startswith(("shared:", "issue", "dump:"))])
def test_every_title_is_in_its_sample(source, title):
    text = (DATA / source).read_text(encoding="utf-8")
    for part in title.split(": "):  # an index sub-track is titled "<index>: <sub-track>"
        assert json.dumps(part, ensure_ascii=False)[1:-1] in text


@pytest.mark.parametrize("source, position, title, expected", TRACKS, ids=[f"{r[0]}:{r[1]}" for r in TRACKS])
def test_tracks_of_whole_tracklists(source, position, title, expected):
    versions = recorded(source)
    item_titles = {track.position or track.title: track.title
                   for track in load_release(DUMP_3019999 if source == "dump:3019999" else
                                             json.loads((DATA / source).read_text(encoding="utf-8"))).tracks}
    assert item_titles[position] == title
    assert versions[position] == expected


@pytest.mark.parametrize("source, title, expected", TITLES, ids=[r[1] for r in TITLES])
def test_titles_with_a_marker(source, title, expected):
    assert detect(title) == expected


@pytest.mark.parametrize("source, title", ORDINARY, ids=[r[1] for r in ORDINARY])
def test_ordinary_words_are_no_version(source, title):
    assert detect(title) == NONE


def test_credits_are_stronger_than_the_marker():
    """A Remix role names the remixer whatever the title says; the marker still names the version."""
    credits = load_release({"tracklist": [{"position": "A", "title": "Song (Club Mix)", "extraartists": [
        {"name": "Bob Smith (2)", "anv": "", "role": "Remix [Club Mix]"}]}]}).tracks[0].credits
    assert detect("Song (Club Mix)", credits) == Version(
        version="Club Mix", version_signal="marker", is_remix=True, remixer="Bob Smith", remix_signal="credits")
    edited = load_release({"tracklist": [{"position": "A", "title": "Song", "extraartists": [
        {"name": "Ann", "role": "Edited By"}]}]}).tracks[0].credits
    assert detect("Song", edited) == Version(version="Edit", version_signal="credits", is_edit=True,
                                             edit_signal="credits")


@pytest.mark.parametrize("heading, expected", [
    ("Live At The Roundhouse", Version(version="Live", version_signal="heading", is_live=True,
                                       live_signal="heading")),
    ("The Peel Sessions", SESSION),
    ("Remixes", Version(version="Remix", version_signal="heading", is_remix=True, remix_signal="heading")),
    ("Deliverance", NONE),
])
def test_the_heading_is_the_weakest_signal(heading, expected):
    assert detect("Song", (), heading) == expected
    assert detect("Song [Live]", (), heading).live_signal == "marker"


@pytest.mark.parametrize("title, markers", [
    ("Song (Live At The Roundhouse, 1978)", ["Live At The Roundhouse, 1978"]),
    ("Song (A) [B]", ["B", "A"]),
    ("(I Can't Get No) Satisfaction", []),
    ("(Live)", []),  # nothing left of the title: not a marker
])
def test_trailing_markers(title, markers):
    assert trailing_markers(title) == markers


def test_roles_split_outside_brackets():
    assert credit_roles("Guitar [Epiphone, 12-String], Vocals") == ["Guitar [Epiphone, 12-String]", "Vocals"]


@pytest.mark.parametrize("tracks, position, named", [
    ("1-1 to 1-5.7", "1-4", True), ("1-1 to 1-5.7", "2-1", False), ("A1, B2", "B2", True),
    ("A1 to A3", "A10", False), ("A1 to A3", "B1", False), ("", "A1", False),
])
def test_credits_name_their_tracks(tracks, position, named):
    assert names_track(tracks, position) is named
