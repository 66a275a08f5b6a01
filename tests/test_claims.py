"""Release claims: one statement decides who fetches a release; expiry frees a dead harvest's.

Runs on the suite's database_url (SQLite, or PostgreSQL with TEST_DATABASE_URL).
"""

import datetime

import pytest

from discogs_harvest.claims import MINE, STORED, WAIT, claim, release
from discogs_harvest.freshness import database_for
from discogs_harvest.models import Album, ReleaseClaim

T0 = datetime.datetime(2026, 11, 1, 12, 0, 0)


def at(seconds):
    return T0 + datetime.timedelta(seconds=seconds)


@pytest.fixture
def database(database_url):
    return database_for(database_url)


def test_the_first_harvest_gets_the_claim_the_second_waits(database):
    assert claim(database, 7, "node-a", ttl=60, now=at(0)) == MINE
    assert claim(database, 7, "node-b", ttl=60, now=at(1)) == WAIT
    assert claim(database, 7, "node-a", ttl=60, now=at(2)) == MINE  # asking again keeps it
    assert ReleaseClaim.get_by_id(7).owner == "node-a"


def test_once_the_claimant_stored_the_release_the_other_uses_it(database):
    assert claim(database, 7, "node-a", ttl=60, now=at(0)) == MINE
    Album.insert(discogs_release_id="7", artist="A", title="T", fetched_at=at(5)).execute()
    assert claim(database, 7, "node-b", ttl=60, now=at(6)) == STORED


def test_an_album_stored_before_the_claim_does_not_count(database):
    Album.insert(discogs_release_id="7", artist="A", title="T", fetched_at=at(-3600)).execute()
    assert claim(database, 7, "node-a", ttl=60, now=at(0)) == MINE
    assert claim(database, 7, "node-b", ttl=60, now=at(1)) == WAIT


def test_a_dead_harvests_claim_expires(database):
    assert claim(database, 7, "node-a", ttl=60, now=at(0)) == MINE
    assert claim(database, 7, "node-b", ttl=60, now=at(59)) == WAIT
    assert claim(database, 7, "node-b", ttl=60, now=at(60)) == MINE
    assert claim(database, 7, "node-a", ttl=60, now=at(61)) == WAIT


def test_a_failed_fetch_releases_the_claim_for_another_harvest(database):
    assert claim(database, 7, "node-a", ttl=60, now=at(0)) == MINE
    release(database, 7, "node-b")  # not b's: nothing happens
    assert claim(database, 7, "node-b", ttl=60, now=at(1)) == WAIT
    release(database, 7, "node-a")
    assert claim(database, 7, "node-b", ttl=60, now=at(2)) == MINE
