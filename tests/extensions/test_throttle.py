"""HarvestAutoThrottle: AutoThrottle's delays, none under AUTOTHROTTLE_DEADBAND."""

from types import SimpleNamespace

import pytest
from scrapy.extensions.throttle import AutoThrottle
from scrapy.utils.test import get_crawler

from discogs_harvest import settings as project_settings
from discogs_harvest.extensions.throttle import HarvestAutoThrottle

SETTINGS = {"AUTOTHROTTLE_ENABLED": True, "AUTOTHROTTLE_TARGET_CONCURRENCY": 4.0, "AUTOTHROTTLE_MAX_DELAY": 10.0,
            "DOWNLOAD_DELAY": 0.0}


def delays(throttle_class, latencies, **settings):
    """The slot's delay after each answer's latency, as the extension sets it."""
    throttle = throttle_class(get_crawler(settings_dict={**SETTINGS, **settings}))
    throttle.mindelay, throttle.maxdelay = throttle._min_delay(), throttle._max_delay()
    slot, seen = SimpleNamespace(delay=0.0), []
    for latency in latencies:
        throttle._adjust_delay(slot, latency, SimpleNamespace(status=200))
        seen.append(round(slot.delay, 4))
    return seen


LATENCIES = [0.012, 0.020, 0.100, 0.400, 0.400, 0.030, 0.030, 0.030, 0.030, 0.030]


def test_a_fast_servers_few_milliseconds_space_nothing_a_slow_ones_are_autothrottles():
    ours = delays(HarvestAutoThrottle, LATENCIES, AUTOTHROTTLE_DEADBAND=0.05)
    scrapys = delays(AutoThrottle, LATENCIES)
    assert scrapys[:3] == [0.003, 0.005, 0.025]  # latency / 4: the fast answers spaced all the same
    assert ours[:3] == [0.0, 0.0, 0.0]
    assert ours[3:5] == scrapys[3:5] == [0.1, 0.1]  # 400 ms: spaced as Scrapy spaces it
    # Back down by halves as Scrapy does, to none once under the dead band.
    assert ours[5:] == [0.0538, 0.0, 0.0, 0.0, 0.0] and scrapys[5:7] == [0.0538, 0.0306]


def test_without_a_dead_band_it_is_scrapys_autothrottle():
    assert delays(HarvestAutoThrottle, LATENCIES) == delays(AutoThrottle, LATENCIES)


@pytest.mark.parametrize("download_delay", [0.0, 0.2])
def test_under_the_dead_band_the_delay_is_download_delay(download_delay):
    ours = delays(HarvestAutoThrottle, [0.01], AUTOTHROTTLE_DEADBAND=0.05, DOWNLOAD_DELAY=download_delay)
    assert ours == [download_delay]


def test_the_project_uses_it_in_scrapys_place():
    assert project_settings.EXTENSIONS["scrapy.extensions.throttle.AutoThrottle"] is None
    assert "discogs_harvest.extensions.throttle.HarvestAutoThrottle" in project_settings.EXTENSIONS
    assert project_settings.AUTOTHROTTLE_ENABLED and project_settings.AUTOTHROTTLE_DEADBAND == 0.05
