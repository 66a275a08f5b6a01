"""The release spider's own settings: one item worker a response unless images are downloaded."""

import pytest
from scrapy.settings import Settings

from discogs_harvest.spiders.release import ReleaseSpider
from discogs_harvest.spiders.seller_inventory import SellerInventorySpider


def project_settings(**cmdline):
    settings = Settings()
    settings.setmodule("discogs_harvest.settings", priority="project")
    settings.setdict(cmdline, priority="cmdline")
    return settings


@pytest.mark.parametrize(("cmdline", "expected"), [
    ({}, 1),  # one release a response, pipelines that never wait
    ({"DOWNLOAD_IMAGES": "1"}, 8),  # the images pipeline waits on downloads: the project's default
    ({"CONCURRENT_ITEMS": "4"}, 4),  # the user's choice wins
])
def test_concurrent_items(cmdline, expected):
    settings = project_settings(**cmdline)
    ReleaseSpider.update_settings(settings)
    assert settings.getint("CONCURRENT_ITEMS") == expected


def test_other_spiders_keep_the_project_default():
    settings = project_settings()
    SellerInventorySpider.update_settings(settings)
    assert settings.getint("CONCURRENT_ITEMS") == 8
