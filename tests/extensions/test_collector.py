"""CollectorTuning: the collector tuned while the engine runs, restored as it was found."""

import gc

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from discogs_harvest.extensions.collector import CollectorTuning


@pytest.fixture
def collector_state():
    saved = gc.get_threshold(), gc.get_freeze_count()
    yield saved
    gc.set_threshold(*saved[0])
    if not saved[1]:
        gc.unfreeze()


def test_tuned_while_the_engine_runs_then_restored(collector_state):
    thresholds, _ = collector_state
    gc.unfreeze()
    tuning = CollectorTuning.from_crawler(get_crawler(settings_dict={"HARVEST_GC_THRESHOLD": 40_000}))
    tuning.engine_started()
    assert gc.get_threshold() == (max(40_000, thresholds[0]), *thresholds[1:])
    assert gc.get_freeze_count() > 0
    tuning.engine_stopped()
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == 0
    tuning.engine_stopped()  # a second stop changes nothing
    assert gc.get_threshold() == thresholds


def test_what_someone_else_froze_stays_frozen(collector_state):
    gc.freeze()
    frozen = gc.get_freeze_count()
    tuning = CollectorTuning.from_crawler(get_crawler())
    tuning.engine_started()
    tuning.engine_stopped()
    assert gc.get_freeze_count() >= frozen > 0


@pytest.mark.parametrize("settings", [{"HARVEST_GC_ENABLED": False}, {"HARVEST_GC_THRESHOLD": 0}])
def test_off_or_misconfigured_is_not_configured(settings):
    with pytest.raises(NotConfigured):
        CollectorTuning.from_crawler(get_crawler(settings_dict=settings))
