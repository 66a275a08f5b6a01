"""Two harvests writing one SQLite file at once: both finish, nothing is lost, nothing is refused.

Each seller is also harvested alone into a file of its own, at the same time. The shared file must
then hold exactly the union of the two solo files, row for row (compared by natural keys: the
surrogate ids of genres, styles and tracks depend on who inserted first), and neither shared run
may log an ERROR (a "database is locked" write is logged and counted, not raised).

The two sellers share 800 of their releases (ids 90,000,700 to 90,001,499), so both runs upsert
the same albums, tracks and genre links while the other is writing them. Small storage batches
make many short write transactions, so the two really do take turns at the write lock.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from discogs_harvest.sandbox.process import SandboxProcess
from tests.integration.crawling import crawl, logical_snapshot, rows

pytestmark = pytest.mark.timeout(330)  # a bound against hangs, not a speed test: CI shares its two cores

SELLERS = {"synthetic-3000-1500": 3000, "synthetic-2500-1200-700": 2500}
# Four harvests from one address: the sandbox allows them all, each keeps to its own budget.
SANDBOX = ("--window", "1", "--limit-auth", "2400", "--limit-anon", "100")
SETTINGS = {"DISCOGS_RATE_LIMIT": "500", "STORAGE_BATCH_SIZE": "25", "PROGRESS_INTERVAL": "1"}


@pytest.fixture(scope="module")
def fast_sandbox():
    with SandboxProcess(*SANDBOX) as sandbox:
        yield sandbox


def per_seller(database):
    return {row["collection_id"]: row["n"] for row in rows(
        database, "SELECT collection_id, COUNT(*) AS n FROM collection_items GROUP BY collection_id")}


def test_two_harvests_share_one_database(fast_sandbox, tmp_path):
    shared = tmp_path / "shared.db"
    runs = [(seller, tmp_path / f"{seller}.db") for seller in SELLERS] + [(seller, shared) for seller in SELLERS]

    with ThreadPoolExecutor(len(runs)) as pool:
        results = list(pool.map(
            lambda run: crawl("seller_inventory", fast_sandbox, run[1], f"seller={run[0]}", settings=SETTINGS,
                              timeout=300),
            runs))

    for (seller, database), result in zip(runs, results):
        assert result.returncode == 0, (seller, database.name, result.stderr[-3000:])
        errors = [line for line in result.stderr.splitlines() if "ERROR" in line or "locked" in line]
        assert errors == [], (seller, database.name, errors[:5])
        assert "Spider closed (finished)" in result.stderr

    expected = {f"inventory:{seller}": count for seller, count in SELLERS.items()}
    assert per_seller(shared) == expected
    solos = [logical_snapshot(tmp_path / f"{seller}.db") for seller in SELLERS]
    for seller, solo in zip(SELLERS, solos):
        assert per_seller(tmp_path / f"{seller}.db") == {f"inventory:{seller}": SELLERS[seller]}
    together = logical_snapshot(shared)
    for table, shared_rows in together.items():
        union = sorted(set(solos[0][table]) | set(solos[1][table]), key=repr)
        assert shared_rows == union, table
    assert len(together["albums"]) == 1500 + 1200 - 800
    runs_recorded = rows(shared, "SELECT arguments, finish_reason FROM harvest_runs ORDER BY id")
    assert sorted(run["finish_reason"] for run in runs_recorded) == ["finished", "finished"]
