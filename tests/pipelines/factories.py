"""Items as the loaders build them, with values from recorded Discogs responses.

``release()`` is release 1052359 (releases/1052359_umiliani_lp_13-videos.json, a
2xLP with 26 tracks and 13 videos, cut down); ``listing()`` is listing 891183783 of
BrotherLogic (inventory/brotherlogic_status-for-sale_per100_page1.json).
"""

import dataclasses
import time

from discogs_harvest.completeness import PageSeen
from discogs_harvest.items import InventorySnapshotItem, ListingItem, ReleaseItem, SellerItem, TrackItem, VideoItem

UMILIANI = 1052359
KES = 551582

TRACKS = [
    ("A1", "Pelle Di Luna"),
    ("A2", "Pelle Di Luna"),
    ("A3", "Mahe"),
    ("B1", "Seychelles Isole Dimenticate"),
    ("B2", "Seyga Seyga"),
    ("B3", "Bossa At Seychelles"),
]

VIDEOS = [
    ("-DaZZMDMAWs", "Piero Umiliani - Pelle Di Luna", 215),
    ("jmbz-dbDQho", "Piero Umiliani - Mahe'", 163),
    ("acvC7XAySas", "Piero Umiliani - Seyga Seyga", 140),
]


def tracks(count=len(TRACKS)):
    return [
        TrackItem(sequence=index, position=position, side=position[0], title=title, duration=None)
        for index, (position, title) in enumerate(TRACKS[:count])
    ]


def videos(count=len(VIDEOS)):
    return [
        VideoItem(
            video_id=video_id,
            order_index=index,
            title=title,
            url=f"https://www.youtube.com/watch?v={video_id}",
            description=title,
            duration_seconds=seconds,
            embed=True,
        )
        for index, (video_id, title, seconds) in enumerate(VIDEOS[:count])
    ]


def release(release_id=UMILIANI, **changes):
    item = ReleaseItem(
        release_id=release_id,
        artist="Piero Umiliani",
        title="La Ragazza Dalla Pelle Di Luna (Original Complete Motion Picture Soundtrack)",
        label="Easy Tempo",
        catalog_number="ET 909 DLP",
        format="Vinyl, LP, Gatefold",
        country="Italy",
        released_year=1999,
        released="1999-03-29",
        cover_image_url="https://i.discogs.com/signed/R-1052359.jpeg?sig=abc",
        web_url=f"https://www.discogs.com/release/{release_id}",
        api_url=f"https://api.discogs.com/releases/{release_id}",
        price_low=50.0,
        price_currency="USD",
        num_for_sale=4,
        have_count=74,
        want_count=354,
        avg_rating=4.67,
        ratings_count=27,
        data_quality="Needs Vote",
        master_id=47874,
        genres=["Electronic", "Jazz"],
        styles=["Abstract", "Easy Listening"],
        tracks=tracks(),
        videos=videos(),
    )
    return dataclasses.replace(item, **changes)


def seller(**changes):
    item = SellerItem(
        seller_id=150295,
        username="BrotherLogic",
        rating=99.4,
        stars=4.5,
        total_ratings=350,
        html_url="https://www.discogs.com/user/BrotherLogic",
        avatar_url="https://secure.gravatar.com/avatar/d44e93769ea7b6bada5578bb0f48f76f?s=500&r=pg&d=mm",
        payment="PayPal",
        shipping="Shipping is typically $3.50 for 1 CD.",
        min_order_total=0.0,
    )
    return dataclasses.replace(item, **changes)


def listing(listing_id=891183783, release_id=KES, **changes):
    item = ListingItem(
        listing_id=listing_id,
        seller_username="BrotherLogic",
        release_id=release_id,
        artist="John Cameron (2)",
        title="Kes",
        format="CD",
        year=2002,
        status="For Sale",
        condition="Near Mint (NM or M-)",
        sleeve_condition="Near Mint (NM or M-)",
        price=10.35,
        currency="USD",
        original_price=10.35,
        original_currency="USD",
        shipping_price=3.5,
        shipping_currency="USD",
        ships_from="United States",
        posted="2020-03-11 12:41:34",  # UTC, as the loader converts it
        allow_offers=False,
        comments="",
        item_url=f"https://www.discogs.com/sell/item/{listing_id}",
        have_count=120,
        want_count=80,
        seller=seller(),
    )
    return dataclasses.replace(item, **changes)


def snapshot(seller, listing_ids, complete=True):
    """A snapshot whose one page proves ``listing_ids`` are the whole inventory (when ``complete``)."""
    listing_ids = list(listing_ids)
    pages = [PageSeen(1, 1, len(listing_ids), tuple(listing_ids), time.time(), has_next=False)]
    return InventorySnapshotItem(seller, listing_ids, complete=complete, pages=pages)
