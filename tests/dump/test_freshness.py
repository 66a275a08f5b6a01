"""Releases known from a dump: what a harvest may decide from without a request."""

import datetime
import shutil

import pytest
from scrapy.settings import Settings

from discogs_harvest.dump.freshness import dump_releases, parse_enrich
from discogs_harvest.dump.importer import ReleaseDumpImporter
from discogs_harvest.dump.selection import Everything
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.freshness import fresh_releases
from discogs_harvest.models import Album
from tests.dump.test_release import SAMPLE


@pytest.mark.parametrize("value, expected", [(None, "stats"), ("none", "none"), (" FULL ", "full"), ("stats", "stats")])
def test_parse_enrich(value, expected):
    assert parse_enrich(value) == expected


def test_parse_enrich_rejects_other_values():
    with pytest.raises(HarvestConfigError, match="enrich 'all' is not one of none, stats, full"):
        parse_enrich("all")


def test_dump_releases_are_known_while_the_dump_is_recent(database_url, tmp_path):
    path = shutil.copy(SAMPLE, tmp_path / "discogs_20200806_releases.xml")
    ReleaseDumpImporter(Settings({"DATABASE_URL": database_url, "STORAGE_BATCH_SIZE": 200}), str(path),
                        Everything()).run()
    dump_day = datetime.date(2020, 8, 6)
    known = dump_releases([1, 25, 999], 45, today=dump_day + datetime.timedelta(days=44))
    assert known[1] == (["Electronic"], ["Deep House"], '2 × Vinyl, 12", 33 ⅓ RPM') and set(known) == {1, 25}
    assert dump_releases([1], 45, today=dump_day + datetime.timedelta(days=45)) == {}
    assert fresh_releases([1, 25], 7) == {}  # never fetched: not fresh for the API's staleness rule
    Album.update(source="api").where(Album.discogs_release_id == "25").execute()
    assert set(dump_releases([1, 25], 45, today=dump_day)) == {1}
