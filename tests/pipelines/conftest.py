import pytest
from scrapy.utils.test import get_crawler

from discogs_harvest import settings as project_settings
from discogs_harvest.freshness import database_for


@pytest.fixture
def database(database_url):
    return database_for(database_url)


@pytest.fixture
def make_crawler(database_url):
    """A crawler with the project's storage/staleness defaults and a temporary database."""

    def make(**settings):
        values = {
            "DATABASE_URL": database_url,
            "STORAGE_BATCH_SIZE": project_settings.STORAGE_BATCH_SIZE,
            "STALENESS_MAX_AGE_DAYS": project_settings.STALENESS_MAX_AGE_DAYS,
            **settings,
        }
        return get_crawler(settings_dict=values)

    return make


@pytest.fixture
def crawler(make_crawler):
    return make_crawler()
