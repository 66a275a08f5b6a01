"""HarvestStatsCollector: MemoryStatsCollector's stats, its methods read without a wrapper."""

from scrapy.statscollectors import MemoryStatsCollector, StatsCollector
from scrapy.utils.test import get_crawler

from discogs_harvest import settings
from discogs_harvest.statscollectors import HarvestStatsCollector
from discogs_harvest.spiders.release import ReleaseSpider


def exercise(collector):
    collector.open_spider()
    collector.set_value("a", 1)
    collector.inc_value("a", 2)
    collector.inc_value("b")
    collector.inc_value("c", 5, start=10)
    collector.max_value("m", 3)
    collector.max_value("m", 2)
    collector.min_value("n", 3)
    collector.min_value("n", 1)
    return collector.get_stats(), collector.get_value("a"), collector.get_value("missing", "default")


def test_the_same_stats_as_scrapys_collector_and_kept_per_spider_at_close():
    crawler = get_crawler(ReleaseSpider)
    crawler.spider = ReleaseSpider(ids="1")
    ours, scrapys = HarvestStatsCollector(crawler), MemoryStatsCollector(crawler)
    assert exercise(ours) == exercise(scrapys) == (
        {"a": 3, "b": 1, "c": 15, "m": 3, "n": 1}, 3, "default")
    ours.close_spider(reason="finished")
    assert ours.spider_stats == {"release": {"a": 3, "b": 1, "c": 15, "m": 3, "n": 1}}


def test_methods_are_read_as_plain_bound_methods():
    # Scrapy's collector hands back a wrapper on every read (its __getattribute__): the cost
    # this class exists to leave out.
    collector = HarvestStatsCollector(get_crawler(ReleaseSpider))
    assert collector.inc_value.__func__ is StatsCollector.inc_value
    assert collector.set_value.__func__ is StatsCollector.set_value
    assert getattr(MemoryStatsCollector(get_crawler(ReleaseSpider)).inc_value, "__func__", None) is None


def test_the_project_settings_use_it():
    values = {name: getattr(settings, name) for name in dir(settings) if name.isupper()}
    crawler = get_crawler(ReleaseSpider, settings_dict=values)
    assert type(crawler.stats) is HarvestStatsCollector
