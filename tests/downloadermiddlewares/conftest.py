"""Middlewares built as Scrapy builds them, from the project's settings plus overrides."""

import pytest
from scrapy import Spider
from scrapy.http import Request, Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from discogs_harvest import settings as project_settings

API = "http://127.0.0.1:8765"
TOKEN = "s3cret-token"


def project(**overrides):
    values = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}
    values.update(DISCOGS_API_URL=API, DISCOGS_TOKEN=TOKEN, DISCOGS_CONSUMER_KEY="", DISCOGS_CONSUMER_SECRET="",
                  DISCOGS_RATE_LIMIT=None, DISCOGS_RATE_PERIOD=60.0)
    values.update(overrides)
    return values


class Spy(Spider):
    name = "spy"


@pytest.fixture
def make_crawler():
    def make(**overrides):
        crawler = get_crawler(Spy, project(**overrides))
        crawler.spider = crawler._create_spider()
        return crawler

    return make


@pytest.fixture
def build(make_crawler):
    """``build(MiddlewareClass, **settings)`` -> the middleware, its crawler at ``.crawler``."""

    def make(cls, **overrides):
        return build_from_crawler(cls, make_crawler(**overrides))

    return make


def api_request(path="/releases/1", **meta):
    return Request(API + path, meta=meta)


def answer(request, status=200, body=b'{"id": 1}', headers=None, content_type=b"application/json"):
    headers = {"Content-Type": content_type, **(headers or {})}
    return Response(request.url, status=status, body=body, headers=headers, request=request)


def rate(limit, used):
    return {"X-Discogs-Ratelimit": str(limit), "X-Discogs-Ratelimit-Used": str(used),
            "X-Discogs-Ratelimit-Remaining": str(max(0, limit - used))}
