"""Two harvests writing one SQLite file at once: both finish, nothing is lost, nothing is refused.

The two harvests of the shared file are two processes, as two ``scrapy crawl`` commands would be.
Each seller is also harvested alone into a file of its own, meanwhile, in the test's process (those
are references: no second process is their point). The shared file must then hold exactly the
union of the two solo files, row for row (compared by natural keys: the surrogate ids of genres,
styles and tracks depend on who inserted first), and neither shared run may log an ERROR (a
"database is locked" write is logged and counted, not raised).

The two sellers share 300 of their releases (ids 90,000,300 to 90,000,599), so both runs upsert
the same albums, tracks and genre links while the other is writing them. Storage batches of 10
items make many short write transactions, so the two really do take turns at the write lock: about
180 and 150 each ((1,200 listings + 600 releases) / 10 and (1,000 + 500) / 10), as many as the
sellers of 3,000 and 2,500 listings in batches of 25 this test harvested before (issue 12): the
turns, not the sellers' size, are what the test is about.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from discogs_harvest.sandbox.process import SandboxProcess
from tests import forkserver
from tests.integration.crawling import ROOT, CrawlResult, crawl_command, logical_snapshot, rows
from tests.integration.inprocess import crawl_in_process

pytestmark = pytest.mark.timeout(330)  # a bound against hangs, not a speed test: CI shares its two cores

SELLERS = {"synthetic-1200-600": 1200, "synthetic-1000-500-300": 1000}
# Four harvests from one address: the sandbox allows them all, each keeps to its own budget.
SANDBOX = ("--window", "1", "--limit-auth", "2400", "--limit-anon", "100")
SETTINGS = {"DISCOGS_RATE_LIMIT": "500", "STORAGE_BATCH_SIZE": "10", "PROGRESS_INTERVAL": "1"}


@pytest.fixture(scope="module")
def fast_sandbox():
    with SandboxProcess(*SANDBOX) as sandbox:
        yield sandbox


def per_seller(database):
    return {row["collection_id"]: row["n"] for row in rows(
        database, "SELECT collection_id, COUNT(*) AS n FROM collection_items GROUP BY collection_id")}


def run(command_and_environment):
    command, environment = command_and_environment
    result = forkserver.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)
    return CrawlResult(result.returncode, result.stdout, result.stderr)


def test_two_harvests_share_one_database(fast_sandbox, tmp_path):
    shared = tmp_path / "shared.db"
    # Both command lines are built here, before a crawl in this process sets its environment.
    commands = [crawl_command("seller_inventory", fast_sandbox, shared, f"seller={seller}", settings=SETTINGS)
                for seller in SELLERS]
    with ThreadPoolExecutor(len(commands)) as pool:
        shared_results = pool.map(run, commands)
        solo_results = [crawl_in_process("seller_inventory", fast_sandbox, tmp_path / f"{seller}.db",
                                         f"seller={seller}", settings=SETTINGS, timeout=300)
                        for seller in SELLERS]
        results = solo_results + list(shared_results)

    runs = [(seller, tmp_path / f"{seller}.db") for seller in SELLERS] + [(seller, shared) for seller in SELLERS]
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
    assert len(together["albums"]) == 600 + 500 - 300
    runs_recorded = rows(shared, "SELECT started_at, finished_at, finish_reason FROM harvest_runs ORDER BY id")
    assert sorted(run["finish_reason"] for run in runs_recorded) == ["finished", "finished"]
    # At the same time: each started before the other finished (times are stored to the second).
    assert max(run["started_at"] for run in runs_recorded) <= min(run["finished_at"] for run in runs_recorded)
