"""RunLog: the harvest_runs row, its arguments without secrets, its updates and its end."""

import datetime
import json
import logging

import pytest
import scrapy
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from discogs_harvest import stats as keys
from discogs_harvest.extensions.runlog import REDACTED, RunLog, redact, spider_arguments
from discogs_harvest.models import HarvestRun


class ArgSpider(scrapy.Spider):
    name = "args"


class KeepsArguments(scrapy.Spider):
    name = "keeps"

    def __init__(self, *args, **kwargs):
        self.arguments = dict(kwargs)
        super().__init__(*args, **kwargs)
        self.derived = "not an argument"


@pytest.mark.parametrize(
    ("arguments", "secrets", "expected"),
    [
        ({"seller": "brotherlogic", "limit": "5"}, (), {"seller": "brotherlogic", "limit": "5"}),
        ({"token": "abc", "api_key": "k", "Consumer_Secret": "s", "PASSWORD": "p", "passwd": "p"}, (),
         dict.fromkeys(["token", "api_key", "Consumer_Secret", "PASSWORD", "passwd"], REDACTED)),
        # A credential passed under an innocent name is still recognised by its value.
        ({"note": "sandbox-token", "seller": "x"}, ("sandbox-token", "", None),
         {"note": REDACTED, "seller": "x"}),
        ({}, ("t",), {}),
    ],
)
def test_redact(arguments, secrets, expected):
    assert redact(arguments, secrets) == expected


def test_spider_arguments_from_attributes_or_from_the_spiders_own_record():
    crawler = get_crawler(ArgSpider)
    spider = ArgSpider.from_crawler(crawler, seller="someone", status="For Sale")
    spider._private = "x"
    spider.seen = set()
    assert spider_arguments(spider) == {"seller": "someone", "status": "For Sale"}
    spider = KeepsArguments.from_crawler(get_crawler(KeepsArguments), seller="someone")
    assert spider_arguments(spider) == {"seller": "someone"}


def make_runlog(tmp_path, spidercls=ArgSpider, **settings):
    crawler = get_crawler(spidercls, settings_dict={
        "DATABASE_URL": f"sqlite:///{tmp_path / 'runs.db'}",
        # No periodic task here (no event loop): update() is called by the test.
        "PROGRESS_INTERVAL": 0,
        "DISCOGS_TOKEN": "the-real-token",
        "DISCOGS_RATE_LIMIT": 60,
        "DISCOGS_RATE_PERIOD": 60,
        **settings,
    })
    crawler._apply_settings()
    crawler.stats.open_spider()
    return crawler, RunLog.from_crawler(crawler)


def the_row(run_id):
    return HarvestRun.select().where(HarvestRun.id == run_id).dicts().get()


def test_not_configured_without_a_database():
    with pytest.raises(NotConfigured, match="DATABASE_URL is empty"):
        RunLog.from_crawler(get_crawler(ArgSpider, settings_dict={"DATABASE_URL": ""}))


def test_a_run_is_inserted_updated_and_finished(tmp_path):
    crawler, runlog = make_runlog(tmp_path)
    spider = ArgSpider.from_crawler(crawler, seller="brotherlogic", token="the-real-token",
                                    note="the-real-token")
    crawler.stats.set_value("start_time", datetime.datetime.now(datetime.timezone.utc))
    runlog.spider_opened(spider)
    try:
        row = the_row(runlog.run_id)
        assert (row["spider"], row["finished_at"], row["finish_reason"]) == ("args", None, None)
        assert json.loads(row["arguments"]) == {"seller": "brotherlogic", "token": REDACTED, "note": REDACTED}
        assert "the-real-token" not in json.dumps(row, default=str)

        for name, value in {keys.PAGES_TOTAL: 3, keys.PAGES_DONE: 2, keys.RELEASES_TO_FETCH: 80,
                            keys.RELEASES_DONE: 10, "downloader/request_count": 12,
                            "item_scraped_count": 30}.items():
            crawler.stats.set_value(name, value)
        runlog.update()
        row = the_row(runlog.run_id)
        assert (row["pages_done"], row["pages_total"], row["releases_done"], row["releases_to_fetch"],
                row["requests"], row["items"]) == (2, 3, 10, 80, 12, 30)
        assert row["eta_seconds"] > 0
        assert row["finished_at"] is None
    finally:
        crawler.stats.set_value(keys.RELEASES_DONE, 120)
        crawler.stats.set_value(keys.PAGES_DONE, 3)
        crawler.stats.set_value("downloader/request_count", 123)
        runlog.spider_closed(spider, "finished")
    row = the_row(runlog.run_id)
    assert (row["finish_reason"], row["requests"], row["pages_done"], row["eta_seconds"]) == (
        "finished", 123, 3, 0.0)
    assert row["finished_at"] >= row["started_at"]


def test_each_run_gets_its_own_row(tmp_path):
    ids = []
    for _ in range(2):
        crawler, runlog = make_runlog(tmp_path)
        spider = ArgSpider.from_crawler(crawler)
        runlog.spider_opened(spider)
        runlog.spider_closed(spider, "shutdown")
        ids.append(runlog.run_id)
    assert ids[0] != ids[1]
    assert [the_row(i)["finish_reason"] for i in ids] == ["shutdown", "shutdown"]


def test_an_unusable_database_is_logged_and_the_crawl_goes_on(tmp_path, caplog):
    crawler, runlog = make_runlog(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    spider = ArgSpider.from_crawler(crawler)
    with caplog.at_level(logging.ERROR):
        runlog.spider_opened(spider)
        runlog.spider_closed(spider, "finished")
    assert runlog.run_id is None
    assert "Run not recorded in harvest_runs" in caplog.text
