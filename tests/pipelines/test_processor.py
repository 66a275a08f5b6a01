"""LeanItemProcessor (ITEM_PROCESSOR): items through the pipelines as Scrapy's own manager passes
them, the same results, drops and warnings, without a coroutine for each synchronous step."""

import asyncio
import warnings

import pytest
from scrapy.exceptions import DropItem
from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.test import get_crawler
from twisted.internet.defer import succeed

from discogs_harvest.pipelines.processor import LeanItemProcessor
from tests.integration.inprocess import _reactor_loop

HERE = __name__


class Appends:
    def process_item(self, item):
        return item + ["sync"]


class Awaits:
    async def process_item(self, item):
        await asyncio.sleep(0)
        return item + ["async"]


class Drops:
    def process_item(self, item):
        if "drop" in item:
            raise DropItem("dropped here")
        return item


class Defers:
    def process_item(self, item):
        return succeed(item + ["deferred"])


class WantsSpider:
    def process_item(self, item, spider):  # the deprecated signature
        return item + [spider.name]


PIPELINES = {f"{HERE}.{name}": order for order, name in enumerate(["Drops", "Awaits", "WantsSpider", "Appends"],
                                                                   start=1)}


def results(manager_class, pipelines, items):
    """What ``manager_class`` makes of each item: its result, or the exception's class and text."""
    loop = _reactor_loop()
    crawler = get_crawler(settings_dict={"ITEM_PIPELINES": pipelines})
    crawler.spider = crawler._create_spider("processor-test")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        manager = manager_class.from_crawler(crawler)
        manager._set_compat_spider(crawler.spider)
        out = []
        for item in items:
            try:
                out.append(loop.run_until_complete(manager.process_item_async(list(item))))
            except Exception as exc:  # noqa: BLE001 (compared below)
                out.append((type(exc).__name__, str(exc)))
    return out, sorted({(w.category.__name__, str(w.message)) for w in caught})


@pytest.mark.parametrize("pipelines", [PIPELINES, {f"{HERE}.Defers": 1, f"{HERE}.Appends": 2}])
def test_items_come_out_as_from_scrapys_own_manager(pipelines):
    items = [["a"], ["drop"], []]
    lean = results(LeanItemProcessor, pipelines, items)
    assert lean == results(ItemPipelineManager, pipelines, items)
    if f"{HERE}.Drops" in pipelines:
        assert lean[0] == [["a", "async", "processor-test", "sync"], ("DropItem", "dropped here"),
                           ["async", "processor-test", "sync"]]
    else:
        assert lean[0][0] == ["a", "deferred", "sync"]
        assert any("returned a Deferred" in message for _, message in lean[1])
