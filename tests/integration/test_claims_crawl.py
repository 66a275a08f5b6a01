"""Two harvests on two machines' worth of processes, one PostgreSQL database: no release twice.

Two sellers share 500 releases (``synthetic-520-520`` has ids 0-519 past the synthetic base,
``synthetic-520-520-20`` ids 20-539). Harvested at once into one PostgreSQL database, with
release claims (on by default for PostgreSQL), the sandbox's log must show each of the 540
releases fetched exactly once; both harvests finish; and the rows equal those of the same two
harvests run one after the other into SQLite, table by table (natural keys, times left out).

Needs a PostgreSQL server (tests/services.py).
"""

import datetime
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from discogs_harvest.freshness import close_database, database_for
from discogs_harvest.sandbox.process import SandboxProcess
from tests.integration.crawling import LOGICAL_QUERIES, TIME_COLUMNS, api_requests, crawl, logical_snapshot
from tests.integration.inprocess import crawl_in_process
from tests.services import PostgresSchema, postgres_base_url

pytestmark = [pytest.mark.timeout(600), pytest.mark.postgres]

SELLERS = ("synthetic-520-520", "synthetic-520-520-20")
SANDBOX = ("--window", "1", "--limit-auth", "2400", "--limit-anon", "100")
SETTINGS = {"DISCOGS_RATE_LIMIT": "500", "STORAGE_FLUSH_INTERVAL": "0.5"}
RELEASE_PATH = re.compile(r"^/releases/(\d+)$")


def as_sqlite_stores(value):
    """A PostgreSQL value as SQLite gives it back: booleans as 0/1, timestamps as their UTC text."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value


def snapshot_of(url):
    """logical_snapshot over any backend: the same queries, values as SQLite gives them back."""
    database = database_for(url)
    result = {}
    for table, sql in LOGICAL_QUERIES.items():
        cursor = database.execute_sql(sql)
        columns = [column[0] for column in cursor.description]
        result[table] = sorted(
            (tuple(sorted((column, as_sqlite_stores(value))
                          for column, value in zip(columns, row)
                          if column not in TIME_COLUMNS and not (table == "collection_items" and column == "id")))
             for row in cursor.fetchall()),
            key=repr,
        )
    return result


def fetched_releases(sandbox):
    counts = {}
    for entry in api_requests(sandbox):
        match = RELEASE_PATH.match(entry["path"])
        if match and entry["status"] == 200:
            counts[int(match.group(1))] = counts.get(int(match.group(1)), 0) + 1
    return counts


def test_two_harvests_into_postgresql_fetch_each_shared_release_once(tmp_path):
    with PostgresSchema(postgres_base_url()) as schema, SandboxProcess(*SANDBOX) as sandbox:
        settings = {**SETTINGS, "DATABASE_URL": schema.url}
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(
                lambda seller: crawl("seller_inventory", sandbox, tmp_path / "unused.db", f"seller={seller}",
                                     settings=settings),
                SELLERS))
        for result in results:
            assert result.returncode == 0, result.failure
        fetched = fetched_releases(sandbox)
        shared = snapshot_of(schema.url)
        close_database(schema.url)

        # Each release once: the 500 shared ones too.
        assert len(fetched) == 540
        assert set(fetched.values()) == {1}
        # Both harvests saw claims: one fetched what the other waited for.
        assert sum("claims/stored_elsewhere" in result.stderr for result in results) >= 1

        # The reference: the same two harvests one after the other, in this process (no second
        # process is the point here, so no ~1.5 s start-up each).
        sandbox.reset()
        solo = tmp_path / "solo.db"
        for seller in SELLERS:
            result = crawl_in_process("seller_inventory", sandbox, solo, f"seller={seller}", settings=SETTINGS)
            assert result.returncode == 0, result.failure

    expected = logical_snapshot(solo)
    assert {table: len(values) for table, values in shared.items()} == {
        table: len(values) for table, values in expected.items()}
    for table in LOGICAL_QUERIES:
        assert shared[table] == expected[table], table
