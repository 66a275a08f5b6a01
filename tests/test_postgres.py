"""PostgreSQL behind DATABASE_URL: identity keys, the migration path, the pre-crawl check.

These need a PostgreSQL server (tests/services.py: skipped with the reason when there is none,
failed under .ci/run). The rest of the suite runs on PostgreSQL with TEST_DATABASE_URL.
"""

import sys
import threading

import pytest
from peewee import IntegerField, Model, TextField

from discogs_harvest.database import check_database, open_database
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.freshness import close_database
from discogs_harvest.migrations import missing_columns
from discogs_harvest.models import HarvestRun, PendingListing, Seller, Track
from discogs_harvest.postgres import ensure_identity_keys, redact
from tests import forkserver
from tests.integration.crawling import ROOT
from tests.services import PostgresSchema, postgres_base_url

pytestmark = pytest.mark.postgres


@pytest.fixture
def schema():
    with PostgresSchema(postgres_base_url()) as created:
        yield created
        close_database(created.url)


def test_integer_keys_number_themselves_and_explicit_ids_still_go_in(schema):
    database = open_database(schema.url)
    run = HarvestRun.insert(spider="seller_inventory").execute()
    assert HarvestRun.insert(spider="release").execute() == run + 1
    Seller.insert(id=123456, username="someone").execute()  # a Discogs id, as given
    assert Seller.get(Seller.username == "someone").id == 123456
    database.close()


class Later(Model):
    """A table another change might add: nothing table-specific is needed for it."""

    id = IntegerField(primary_key=True)
    name = TextField()

    class Meta:
        table_name = "later_added"


def test_identity_is_generic_and_starts_after_existing_rows(schema):
    database = open_database(schema.url)
    with database.bind_ctx([Later]):
        database.create_tables([Later])
        Later.insert(id=41, name="explicit").execute()
        assert ensure_identity_keys(database, [Later, Track]) == ["later_added.id"]
        assert Later.insert(name="numbered").execute() == 42
        assert ensure_identity_keys(database, [Later]) == []  # a second open changes nothing
    database.close()


LEGACY = """
CREATE TABLE albums (discogs_release_id TEXT PRIMARY KEY, artist TEXT NOT NULL, title TEXT NOT NULL,
  label TEXT, catalog_number TEXT, format TEXT, country TEXT, released_year INTEGER, cover_image_url TEXT,
  resource_url TEXT, price_low REAL, price_median REAL, price_high REAL, have_count INTEGER DEFAULT 0,
  want_count INTEGER DEFAULT 0, avg_rating REAL DEFAULT 0, ratings_count INTEGER DEFAULT 0,
  last_sold_date TEXT, created_at TIMESTAMP, updated_at TIMESTAMP);
CREATE TABLE tracks (id INTEGER PRIMARY KEY, album_id TEXT REFERENCES albums(discogs_release_id),
  position TEXT, title TEXT NOT NULL, duration TEXT, side TEXT);
INSERT INTO albums (discogs_release_id, artist, title, price_median) VALUES ('7', 'Artist', 'Title', 9.5);
INSERT INTO tracks (id, album_id, position, title) VALUES (1, '7', 'A1', 'one'), (2, '7', 'A2', 'two'),
  (3, '7', 'B1', 'three');
"""


def test_an_older_schema_is_upgraded_by_the_postgresql_migrator(schema):
    schema.execute(f'SET search_path TO "{schema.name}"; {LEGACY}')
    database = open_database(schema.url)
    assert missing_columns(database) == []
    assert database.execute_sql("SELECT position, sequence FROM tracks ORDER BY id").fetchall() == [
        ("A1", 0), ("A2", 1), ("B1", 2)]
    # The old tracks keep their ids; new ones are numbered after them.
    assert Track.insert(album="7", title="four", sequence=3).execute() == 4
    database.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://postgres@127.0.0.1:1/test", "cannot reach PostgreSQL at 127.0.0.1:1/test: "),
        ("postgresql://postgres@127.0.0.1:5432/no_such_database_i19",
         "database 127.0.0.1:5432/no_such_database_i19 does not exist (createdb no_such_database_i19?)"),
        ("postgresql://127.0.0.1:5432/", "names no database"),
    ],
)
def test_the_pre_crawl_check_says_what_is_wrong_in_one_line(url, message):
    postgres_base_url()  # the second case needs the server
    with pytest.raises(HarvestConfigError) as raised:
        check_database(url, 2)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_passwords_never_appear_in_messages():
    assert redact("postgresql://harvest:s3cret@db:5432/x") == "postgresql://harvest:***@db:5432/x"


def test_scrapy_crawl_refuses_an_unreachable_server_in_one_line_and_exit_2(tmp_path):
    command = [sys.executable, "-m", "scrapy", "crawl", "release", "-a", "ids=249504",
               "-s", "DATABASE_URL=postgresql://postgres@127.0.0.1:1/test", "-s", "DATABASE_LOCK_TIMEOUT=2"]
    result = forkserver.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == 2
    assert len(errors) == 1 and errors[0].startswith("error: cannot reach PostgreSQL at 127.0.0.1:1/test: ")
    assert "Traceback" not in result.stderr


def test_integers_are_64_bit_as_in_sqlite(schema):
    from discogs_harvest.models import CollectionItem

    database = open_database(schema.url)
    CollectionItem.insert(listing_id=2218783261, release_id=5_000_000_001).execute()  # a real listing id
    assert CollectionItem.get().listing_id == 2218783261
    database.close()


def other_harvest(url):
    """A connection of another harvest's, in its own schema, its transaction not committed."""
    import psycopg2

    from discogs_harvest.postgres import connect_params

    params = connect_params(url)
    return psycopg2.connect(dbname=params.pop("database"), **params)


def test_a_complete_schema_opens_while_another_harvest_writes_every_table(schema):
    """Two harvests starting at once deadlocked in PostgreSQL: the later one's CREATE INDEX IF NOT
    EXISTS took a SHARE lock on each table (in the schema lock's transaction) while the earlier
    one, past its schema check, was writing them. Opening a complete schema locks no table."""
    open_database(schema.url).close()
    writer = other_harvest(schema.url)
    try:
        with writer.cursor() as cursor:  # what every write holds until its transaction ends
            for table in open_database(schema.url, create_tables=False).get_tables():
                cursor.execute(f'LOCK TABLE "{table}" IN ROW EXCLUSIVE MODE')
        opened = threading.Event()
        opener = threading.Thread(target=lambda: (open_database(schema.url).close(), opened.set()), daemon=True)
        opener.start()
        while_written = opened.wait(timeout=20)
    finally:
        writer.rollback()  # lets an opener that waited go on
        writer.close()
    opener.join(timeout=30)
    assert while_written, "opening a complete schema waited for another transaction's table locks"


def test_missing_tables_and_indexes_are_created_again(schema):
    database = open_database(schema.url)
    database.execute_sql('DROP INDEX "albums_fetched_at"')
    database.execute_sql('DROP TABLE "pending_listings"')
    database.close()
    database = open_database(schema.url)
    assert "pending_listings" in database.get_tables()
    assert "albums_fetched_at" in {index.name for index in database.get_indexes("albums")}
    assert {index.name for index in database.get_indexes("pending_listings")} >= {
        index._name for index in PendingListing._meta.fields_to_index()}
    database.close()
