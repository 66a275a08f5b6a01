"""``scrapy rebuild``: a harvested database whose derived tables were emptied comes back row for
row from the kept bodies, and the sandbox sees no request."""

import os
import shutil
import sqlite3
import sys

import pytest

from discogs_harvest.models import DERIVED_MODELS
from tests import forkserver
from tests.integration.crawling import ROOT, api_requests
from tests.integration.inprocess import crawl_in_process as crawl
from tests.integration.inprocess import run_command_in_process

pytestmark = pytest.mark.timeout(300)

RECORDED = "10507194,1052359,1161277,1823781,2370027,2425133,249504,2535152,3362530,4707982,565473"
DERIVED = [model._meta.table_name for model in DERIVED_MODELS]
REPLACED_PER_ALBUM = {"album_artists", "album_credits", "album_labels", "album_companies", "album_series",
                      "album_formats", "album_identifiers", "album_images"}


def table_rows(database, table):
    with sqlite3.connect(database) as connection:
        cursor = connection.execute(f'SELECT * FROM "{table}"')
        names = [column[0] for column in cursor.description]
        return sorted((tuple(zip(names, row)) for row in cursor), key=repr)


def rebuild(sandbox, database, *extra, process=False):
    """``scrapy rebuild`` on ``database``: in this process (the rows are the point), or, with
    ``process``, as a process (its exit status and last line as the shell sees them)."""
    command = [sys.executable, "-m", "scrapy", "rebuild", "-s", f"DATABASE_URL=sqlite:///{database}",
               "-s", f"DISCOGS_API_URL={sandbox.url}", *extra]
    if not process:
        return run_command_in_process(command, dict(os.environ))
    return forkserver.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)


@pytest.fixture(scope="module")
def harvested(module_sandbox, tmp_path_factory):
    """The recorded seller harvested twice (the second run refreshes listings) and the recorded releases."""
    database = tmp_path_factory.mktemp("rebuild") / "harvested.db"
    for spider, arg in (("seller_inventory", "seller=brotherlogic"), ("release", f"ids={RECORDED}"),
                        ("seller_inventory", "seller=brotherlogic")):
        result = crawl(spider, module_sandbox, database, arg)
        assert result.returncode == 0, result.stderr[-3000:]
    return database


def test_rebuild_gives_identical_rows_without_a_request(module_sandbox, harvested, tmp_path):
    copy = tmp_path / "copy.db"
    shutil.copy(harvested, copy)
    with sqlite3.connect(copy) as connection:
        connection.execute("PRAGMA foreign_keys = OFF")
        for table in DERIVED:
            connection.execute(f'DELETE FROM "{table}"')
    assert all(table_rows(copy, table) == [] for table in DERIVED)

    since = len(module_sandbox.log())
    result = rebuild(module_sandbox, copy)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "0 API requests" in result.stdout
    assert api_requests(module_sandbox, since) == []

    for table in DERIVED:
        original = table_rows(harvested, table)
        assert original, f"{table} is empty: the harvest should have filled it"
        assert table_rows(copy, table) == original, (table, first_difference(table_rows(copy, table), original))


def without_ids(table_rows_):
    return sorted((tuple(pair for pair in row if pair[0] != "id") for row in table_rows_), key=repr)


def test_rebuild_over_a_full_database_changes_nothing(module_sandbox, harvested, tmp_path):
    copy = tmp_path / "full.db"
    shutil.copy(harvested, copy)
    result = rebuild(module_sandbox, copy)
    assert result.returncode == 0, result.stderr[-3000:]
    for table in DERIVED:
        if table in REPLACED_PER_ALBUM:  # rows replaced whenever a release is stored: new ids
            assert without_ids(table_rows(copy, table)) == without_ids(table_rows(harvested, table)), table
        else:
            assert table_rows(copy, table) == table_rows(harvested, table), table


def test_rebuild_of_a_missing_folder_is_one_line(module_sandbox, tmp_path):
    result = rebuild(module_sandbox, tmp_path / "nowhere" / "x.db", process=True)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: DATABASE_URL folder")


def first_difference(a, b):
    """The columns of the first row that differs: (column, rebuilt, original)."""
    for x, y in zip(a, b):
        if x != y:
            return [(k, v, w) for (k, v), (_, w) in zip(x, y) if v != w]
