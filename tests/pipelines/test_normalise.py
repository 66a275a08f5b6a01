import pytest
from scrapy.utils.misc import build_from_crawler

from discogs_harvest.items import InventorySnapshotItem
from discogs_harvest.pipelines.normalise import DISCOGS_GENRES, NormalisePipeline, canonical_name, normalise_names
from tests.pipelines import factories


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Jazz", "Jazz"),
        ("  jazz ", "Jazz"),
        ("ROCK", "Rock"),
        ("Funk/Soul", "Funk / Soul"),
        ("funk   /  soul", "Funk / Soul"),
        ("Hip-Hop", "Hip Hop"),
        ("hip hop", "Hip Hop"),
        ("Folk, World, and Country", "Folk, World, and Country"),  # not the same words: kept
        ("folk, world, & country", "Folk, World, & Country"),
        ("Childrens", "Children's"),
        ("stage &screen", "Stage & Screen"),
        ("Brass and Military", "Brass and Military"),
        ("Non Music", "Non-Music"),
        ("Vaporwave", "Vaporwave"),  # unknown genre: cleaned, spelling kept
        ("  Drum   n  Bass ", "Drum n Bass"),
    ],
)
def test_canonical_genre_names(name, expected):
    assert canonical_name(name, DISCOGS_GENRES) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Easy Listening", "Easy Listening"), (" Synth-pop\t", "Synth-pop"), ("easy  listening", "easy listening")],
)
def test_styles_keep_their_spelling(name, expected):
    assert canonical_name(name) == expected


@pytest.mark.parametrize(
    ("names", "vocabulary", "expected"),
    [
        (["Jazz", "jazz", " JAZZ "], DISCOGS_GENRES, ["Jazz"]),
        (["rock", "Pop", "Rock"], DISCOGS_GENRES, ["Rock", "Pop"]),
        (["Synth-pop", "synth-pop", "Electro"], (), ["Synth-pop", "Electro"]),
        (["", "  ", None, "Ska"], (), ["Ska"]),
        ([], (), []),
        (None, (), []),
    ],
)
def test_normalise_names_deduplicates_case_insensitively_in_first_order(names, vocabulary, expected):
    assert normalise_names(names, vocabulary) == expected


@pytest.mark.parametrize("make", [factories.release, factories.listing])
def test_pipeline_normalises_releases_and_listings(crawler, make):
    pipeline = build_from_crawler(NormalisePipeline, crawler)
    item = make(genres=["funk/soul", "Jazz", "JAZZ"], styles=[" Soul-Jazz", "soul-jazz", "Bossa  Nova"])
    assert pipeline.process_item(item) is item
    assert (item.genres, item.styles) == (["Funk / Soul", "Jazz"], ["Soul-Jazz", "Bossa Nova"])
    assert pipeline.respelled == 1


def test_pipeline_leaves_other_items_and_clean_names_alone(crawler):
    pipeline = build_from_crawler(NormalisePipeline, crawler)
    snapshot = InventorySnapshotItem("BrotherLogic", [1], True)
    assert pipeline.process_item(snapshot) is snapshot
    pipeline.process_item(factories.release())
    assert pipeline.respelled == 0


def test_pipeline_gives_every_item_its_own_list_when_lists_repeat(crawler):
    """A release's lists come again with each of its listings: worked out once, never shared."""
    pipeline = build_from_crawler(NormalisePipeline, crawler)
    items = [factories.listing(genres=["funk/soul", "Jazz"], styles=["Soul-Jazz"]) for _ in range(3)]
    for item in items:
        pipeline.process_item(item)
    assert [(item.genres, item.styles) for item in items] == [(["Funk / Soul", "Jazz"], ["Soul-Jazz"])] * 3
    assert items[0].genres is not items[1].genres and items[0].styles is not items[1].styles
    assert pipeline.respelled == 3
    none = factories.listing(genres=None, styles=None)
    pipeline.process_item(none)
    assert (none.genres, none.styles) == ([], [])
