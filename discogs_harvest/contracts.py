"""Spider contracts (``scrapy check``) for an API whose address is a setting.

Scrapy's ``@url`` takes a fixed URL; our callbacks must be checked against whatever
``DISCOGS_API_URL`` names (the sandbox, in tests and by default for anyone without a
token), so ``@api /releases/249504`` builds the URL on the spider's ``api_url``.
Registered in ``SPIDER_CONTRACTS`` (settings.py)::

    DISCOGS_API_URL=http://127.0.0.1:8765 DISCOGS_TOKEN=sandbox-token scrapy check

``scrapy check`` (and ``scrapy parse``) create the spider without the arguments a crawl
needs; :class:`~discogs_harvest.spiders.base.DiscogsSpider` then uses its
``example_arguments``, since the contract's request is the only one sent.
"""

from scrapy.contracts import Contract


class ApiContract(Contract):
    """``@api /path?query``: the sample request goes to ``DISCOGS_API_URL`` + path.

    Like ``@url``, it makes the callback checked; give one or the other.
    """

    name = "api"

    def __init__(self, method, *args):
        super().__init__(method, *args)
        self.method = method

    def adjust_request_args(self, args):
        spider = self.method.__self__
        args["url"] = spider.api_url + self.args[0]
        return args
