"""LeanItemProcessor: Scrapy's item pipeline manager, each synchronous step called as it is.

Scrapy's manager (``scrapy.pipelines.ItemPipelineManager``, 2.19) awaits every pipeline's
result: a value that is not awaitable is wrapped in a coroutine made for it, and the pipeline's
dotted name is built for a deprecation warning, for every item at every pipeline. A seller
harvest passes some 7,000 items through six pipelines that answer at once (only storage's may
wait for its writer), so those wrappers were work without a purpose. Here a result is awaited
only when it is awaitable (a coroutine, or a Deferred, which warns as Scrapy's does); what
comes out, what is dropped and in what order are Scrapy's.

Setting: ``ITEM_PROCESSOR`` (settings.py).
"""

import inspect

from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.defer import ensure_awaitable
from scrapy.utils.python import global_object_name
from twisted.internet.defer import Deferred


class LeanItemProcessor(ItemPipelineManager):
    async def process_item_async(self, item):
        needs_spider = self._mw_methods_requiring_spider
        for method in self.methods["process_item"]:
            result = method(item, self._spider) if method in needs_spider else method(item)
            if isinstance(result, Deferred) or inspect.isawaitable(result):
                result = await ensure_awaitable(result, _warn=global_object_name(method))
            item = result
        return item
