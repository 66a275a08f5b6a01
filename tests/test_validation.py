"""One check of every setting before the crawl: values that would switch a safeguard off or hang."""

import pytest
from scrapy.settings import Settings

from discogs_harvest import settings as project
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.validation import RULES, check_settings


def project_settings(**changes):
    values = {name: getattr(project, name) for name in dir(project) if name.isupper()}
    return Settings({**values, **changes})


def test_the_project_defaults_pass():
    check_settings(project_settings())
    check_settings(project_settings(DISCOGS_TOKEN="t", DISCOGS_RATE_LIMIT="60", DISCOGS_RATE_HEADROOM="59"))


@pytest.mark.parametrize(("changes", "message"), [
    ({"DISCOGS_RATE_HEADROOM": "100", "DISCOGS_RATE_LIMIT": "100"}, "DISCOGS_RATE_HEADROOM (100) must be below"),
    ({"DISCOGS_RATE_HEADROOM": "25"}, "must be below DISCOGS_RATE_LIMIT (25)"),  # no credentials: 25
    ({"DISCOGS_RETRY_TIMES": "-1"}, "DISCOGS_RETRY_TIMES must be >= 0, not '-1'"),
    ({"DISCOGS_RATE_PERIOD": "nan"}, "DISCOGS_RATE_PERIOD must be a finite number, not 'nan'"),
    ({"DISCOGS_RATE_PERIOD": "inf"}, "DISCOGS_RATE_PERIOD must be a finite number, not 'inf'"),
    ({"DISCOGS_RATE_PERIOD": "abc"}, "DISCOGS_RATE_PERIOD 'abc' is not a number"),
    ({"DISCOGS_RATE_LIMIT": "0"}, "DISCOGS_RATE_LIMIT must be > 0, not '0'"),
    ({"DISCOGS_RATE_LIMIT": "2.5"}, "DISCOGS_RATE_LIMIT must be a whole number"),
    ({"DISCOGS_PER_PAGE": "500"}, "DISCOGS_PER_PAGE must be <= 100"),
    ({"DISCOGS_RETRY_BACKOFF_MAX": "-inf"}, "DISCOGS_RETRY_BACKOFF_MAX must be a finite number"),
    ({"STALENESS_MAX_AGE_DAYS": "-1"}, "STALENESS_MAX_AGE_DAYS must be >= 0"),
    ({"INVENTORY_RESUME_MAX_AGE_HOURS": "nan"}, "must be a finite number"),
    ({"DATABASE_LOCK_TIMEOUT": "-5"}, "DATABASE_LOCK_TIMEOUT must be >= 0"),
    ({"STORAGE_BATCH_SIZE": "0"}, "STORAGE_BATCH_SIZE must be >= 1"),
    ({"STORAGE_FLUSH_INTERVAL": "0"}, "STORAGE_FLUSH_INTERVAL must be > 0"),
    ({"STORAGE_WRITE_PROCESS": "sometimes"}, "STORAGE_WRITE_PROCESS must be on or off"),
    ({"AUTOTHROTTLE_DEADBAND": "-0.1"}, "AUTOTHROTTLE_DEADBAND must be >= 0"),
    ({"AUTOTHROTTLE_DEADBAND": "fast"}, "AUTOTHROTTLE_DEADBAND 'fast' is not a number"),
    ({"DOWNLOAD_TIMEOUT": "0"}, "DOWNLOAD_TIMEOUT must be > 0"),
    ({"INVENTORY_COUNT_SLACK": "2"}, "INVENTORY_COUNT_SLACK must be <= 1"),
    ({"DISCOGS_OUTAGE_MAX": "0"}, "DISCOGS_OUTAGE_MAX must be > 0"),
    ({"DISCOGS_BUDGET_ENABLED": "maybe"}, "DISCOGS_BUDGET_ENABLED must be on or off"),
    ({"DISCOGS_CURRENCY": "dollars"}, "DISCOGS_CURRENCY 'dollars' is not a three-letter currency code"),
])
def test_bad_values_are_refused_in_one_line(changes, message):
    with pytest.raises(HarvestConfigError) as caught:
        check_settings(project_settings(**changes))
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_every_checked_setting_has_a_project_default():
    scrapy_own = {"DOWNLOAD_TIMEOUT", "CONCURRENT_REQUESTS"}
    assert {name for name in RULES if not hasattr(project, name)} <= scrapy_own
