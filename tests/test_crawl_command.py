"""The crawl command's verdict on a finished harvest, as a pure function of its stats."""

import pytest

from discogs_harvest.commands.crawl import incomplete_message


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, None),
        ({"harvest/releases/done": 320, "harvest/releases/failed": 0}, None),
        ({"harvest/releases/failed": 2}, "harvest incomplete: 2 releases failed every retry"),
        ({"harvest/pages/failed": 1}, "harvest incomplete: 1 inventory pages failed every retry"),
        ({"harvest/storage/items_failed": 3, "harvest/releases/failed": 1},
         "harvest incomplete: 1 releases failed every retry; 3 items could not be stored"),
    ],
)
def test_incomplete_message(values, expected):
    message = incomplete_message(values)
    if expected is None:
        assert message is None
    else:
        assert message.startswith(expected) and "\n" not in message


@pytest.mark.parametrize(
    ("values", "fragment"),
    [({"DISCOGS_RATE_LIMIT": "0"}, "DISCOGS_RATE_LIMIT must be > 0"),
     ({"DISCOGS_RATE_LIMIT": "-5"}, "DISCOGS_RATE_LIMIT must be > 0"),
     ({"DISCOGS_RATE_LIMIT": "many"}, "is not a number"),
     ({"DISCOGS_RATE_PERIOD": "0"}, "DISCOGS_RATE_PERIOD must be > 0")],
)
def test_rate_settings_that_would_switch_pacing_off_are_refused(values, fragment):
    from scrapy.settings import Settings

    from discogs_harvest.commands.crawl import check_budget
    from discogs_harvest.exceptions import HarvestConfigError

    with pytest.raises(HarvestConfigError, match=fragment):
        check_budget(Settings(values))


def test_default_and_valid_rate_settings_pass():
    from scrapy.settings import Settings

    from discogs_harvest.commands.crawl import check_budget

    check_budget(Settings({"DISCOGS_RATE_LIMIT": None, "DISCOGS_RATE_PERIOD": 60.0}))
    check_budget(Settings({"DISCOGS_RATE_LIMIT": "25", "DISCOGS_RATE_PERIOD": "0.5"}))
