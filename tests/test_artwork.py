"""Stable artwork names and the release's pictures the artwork pipeline asks for (pure code)."""

import pytest

from discogs_harvest.artwork import album_slug, artist_slug, image_path, on_image_host, slugify, thumb_path
from discogs_harvest.items import CreditItem, ImageItem, ReleaseItem
from discogs_harvest.pipelines.artwork import release_artwork


@pytest.mark.parametrize("text, slug", [("Rubén Blades & Willie Colón", "ruben-blades-and-willie-colon"),
                                        ("¡¡¡", "untitled"), ("AC/DC -- Back In Black", "ac-dc-back-in-black")])
def test_slugify(text, slug):
    assert slugify(text) == slug


def test_names_are_stable_and_per_source():
    assert album_slug(90000001, "Gal Costa", "Índia") == "90000001-gal-costa-india"
    assert artist_slug(12, "Persuader, The (2)*") == "12-persuader-the"
    assert image_path("albums", "1-a-b") == "albums/1-a-b.jpg"
    assert image_path("albums", "1-a-b", "apple_music") == "albums/1-a-b-apple-music.jpg"
    assert image_path("artists", "12-x", "wikipedia") == "artists/12-x-wikipedia.jpg"
    assert thumb_path("albums/1-a-b.jpg", "small") == "thumbs/small/albums/1-a-b.jpg"
    with pytest.raises(ValueError):
        image_path("labels", "x")


def test_discogs_image_host_is_replaced_only_when_set():
    url = "https://i.discogs.com/abc/rs:fit/R-1.jpeg"
    assert on_image_host(url, "") == url
    assert on_image_host(url, "http://127.0.0.1:1/images/") == "http://127.0.0.1:1/images/abc/rs:fit/R-1.jpeg"
    assert on_image_host("https://elsewhere/x.jpg", "http://127.0.0.1:1/images") == "https://elsewhere/x.jpg"


def test_release_artwork_is_the_primary_image_and_the_artists():
    item = ReleaseItem(release_id=5, artist="Gal Costa", title="Índia", images=[
        ImageItem(type="secondary", uri="https://i.discogs.com/2.jpeg"), ImageItem(type="primary", uri="https://i.discogs.com/1.jpeg")],
        artists=[CreditItem(artist_id=7, name="Gal Costa", thumbnail_url="https://i.discogs.com/a.jpeg"),
                 CreditItem(artist_id=0, name="Unlinked", thumbnail_url="https://i.discogs.com/b.jpeg")])
    assert release_artwork(item) == [("albums/5-gal-costa-india.jpg", "https://i.discogs.com/1.jpeg"),
                                     ("artists/7-gal-costa.jpg", "https://i.discogs.com/a.jpeg")]
    assert release_artwork(ReleaseItem(release_id=5, images=[ImageItem(type="primary", uri=None)])) == []
