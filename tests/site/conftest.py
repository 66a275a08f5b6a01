"""A harvested, enriched seller with downloaded artwork, once for the package's tests (four crawls, run
in this process: tests/integration/inprocess.py), and a copy of its rows in the suite's database
(``database_url``: SQLite, or PostgreSQL under ``TEST_DATABASE_URL``), so the site is read from either
backend."""

import pytest
from peewee import chunked

from discogs_harvest.freshness import database_for
from discogs_harvest.models import ALL_MODELS
from discogs_harvest.sandbox.foreign import ForeignStandInProcess, albums_from_database
from discogs_harvest.sandbox.process import SandboxProcess
from tests.integration.conftest import FAST_SANDBOX
from tests.integration.inprocess import crawl_in_process as crawl

SELLER = "synthetic-40-30"
FAST = {f"{service}_{name}": value for service in ("APPLE_MUSIC", "SPOTIFY", "WIKIPEDIA")
        for name, value in (("RATE_PERIOD", "1"), ("RATE_LIMIT", "100"))}


class Harvest:
    def __init__(self, database, images, stand_in, crawls):
        self.database, self.images, self.stand_in, self.crawls = database, images, stand_in, crawls

    @property
    def url(self):
        return f"sqlite:///{self.database}"


@pytest.fixture(scope="package")
def harvest(tmp_path_factory):
    folder = tmp_path_factory.mktemp("site-harvest")
    database, images = folder / "discogs.db", folder / "images"
    with SandboxProcess(*FAST_SANDBOX) as sandbox, ForeignStandInProcess() as stand_in:
        settings = {**stand_in.settings(), **FAST, "DOWNLOAD_IMAGES": "1", "IMAGES_STORE": str(images)}
        crawls = [crawl("seller_inventory", sandbox, database, f"seller={SELLER}", settings=settings)]
        stand_in.albums(albums_from_database(database))
        info = stand_in.apple_key()
        (folder / "key.p8").write_text(info["pem"])
        apple = {"APPLE_MUSIC_KEY_FILE": str(folder / "key.p8"), "APPLE_MUSIC_KEY_ID": info["key_id"],
                 "APPLE_MUSIC_TEAM_ID": info["team_id"]}
        crawls.append(crawl("apple_music", sandbox, database, "limit=20", settings=settings, env=apple))
        crawls.append(crawl("wikipedia", sandbox, database, settings=settings))
        assert [c.returncode for c in crawls] == [0, 0, 0], [c.stderr[-1500:] for c in crawls]
        # The same releases again (STALENESS_MAX_AGE_DAYS=0 fetches them anew): their artwork is on disk.
        images_before = [e for e in stand_in.log() if e["service"] == "images"]
        crawls.append(crawl("seller_inventory", sandbox, database, f"seller={SELLER}",
                            settings={**settings, "STALENESS_MAX_AGE_DAYS": "0"}))
        assert crawls[-1].returncode == 0, crawls[-1].stderr[-1500:]
        images_after = [e for e in stand_in.log() if e["service"] == "images"]
        yield Harvest(database, images, stand_in, crawls), images_before, images_after


def copy_rows(source_url, target_url):
    """Every table's rows from one database into another (same models, both opened by database_for)."""
    database_for(source_url)
    rows = {model: list(model.select().dicts()) for model in ALL_MODELS}
    target = database_for(target_url)
    with target.atomic():
        for model in ALL_MODELS:
            for batch in chunked(rows[model], 100):
                model.insert_many(batch).execute()
    return target


@pytest.fixture
def site_database(harvest, database_url):
    harvested, *_ = harvest
    copy_rows(harvested.url, database_url)
    return database_url
