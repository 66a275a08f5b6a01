"""``scrapy import_dump`` as a user runs it: a good file, then a damaged one (one line, exit 2)."""

import gzip
import shutil
import sqlite3
import sys

import pytest

from discogs_harvest.sandbox.dumps import write_dump
from tests import forkserver
from tests.dump.test_release import SAMPLE
from tests.integration.crawling import ROOT

pytestmark = pytest.mark.timeout(120)


def import_dump(database, *args):
    command = [sys.executable, "-m", "scrapy", "import_dump", *map(str, args), "-s", f"DATABASE_URL=sqlite:///{database}"]
    return forkserver.run(command, cwd=ROOT, capture_output=True, text=True, timeout=100)


def test_import_dump_command(tmp_path):
    database = tmp_path / "discogs.db"
    dump = write_dump(str(tmp_path / "dump"), 300)
    checksum = tmp_path / "dump" / "discogs_20200806_CHECKSUM.txt"
    good = import_dump(database, dump, "--checksum", checksum, "--style", "Latin")
    assert good.returncode == 0, good.stderr[-2000:]
    assert "releases from discogs_20200806_releases.xml.gz (dump of 2020-08-06" in good.stdout
    assert "MB read" in good.stderr and "/s)" in good.stderr and "ETA" in good.stderr  # progress lines
    with sqlite3.connect(database) as connection:
        stored = connection.execute("SELECT COUNT(*) FROM albums WHERE source = 'dump'").fetchone()[0]
    assert stored and f"Imported {stored:,} of 300 releases" in good.stdout

    cut = tmp_path / "discogs_20200806_releases.xml"
    data = gzip.decompress(open(dump, "rb").read())
    cut.write_bytes(data[:len(data) // 2])
    bad = import_dump(database, cut)
    assert bad.returncode == 2
    errors = [line for line in bad.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "truncated" in errors[0]
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT COUNT(*) FROM albums").fetchone()[0] >= stored

    mismatch = import_dump(database, shutil.copy(SAMPLE, tmp_path / "discogs_20200806_releases.xml.gz"),
                           "--checksum", checksum)
    assert mismatch.returncode == 2 and "does not match" in mismatch.stderr


def test_import_dump_command_with_a_labels_dump(tmp_path):
    database = tmp_path / "discogs.db"
    labels = SAMPLE.replace("releases", "labels")
    good = import_dump(database, labels)
    assert good.returncode == 0, good.stderr[-2000:]
    assert f"Imported 2 labels from {labels} into labels (0 kept as fetched from the API); 0 API requests" in good.stdout
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT id, source, dump_date FROM labels ORDER BY id").fetchall() == [
            (1, "dump", "2020-08-06"), (2, "dump", "2020-08-06")]
    cut = tmp_path / "discogs_20200806_labels.xml"
    cut.write_bytes(open(labels, "rb").read()[:-100])
    bad = import_dump(database, cut)
    assert bad.returncode == 2
    errors = [line for line in bad.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "truncated" in errors[0]
