"""The ETA, the progress snapshot and the Progress extension's log line and bar."""

import datetime
import io
import logging

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from discogs_harvest import stats as keys
from discogs_harvest.extensions.progress import (
    Progress,
    build_snapshot,
    eta_seconds,
    format_bar,
    format_duration,
    format_line,
)

UTC = datetime.timezone.utc
START = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        # pages_done, pages_total, releases_done, to_fetch, limit, period, elapsed, requests
        # Nothing known yet: no ETA rather than a wrong one.
        ((0, None, 0, None, 60, 60, 0, 0), None),
        ((0, 0, 0, None, 60, 60, 5, 1), None),
        # All pages read: 100 releases left at the budget's 1 request/s.
        ((4, 4, 50, 150, 60, 60, 60, 60), 100.0),
        # The observed rate (0.5/s) is below the budget (1/s): it decides.
        ((4, 4, 50, 150, 60, 60, 108, 54), 200.0),
        # No budget known (budget middleware off): the observed rate alone.
        ((4, 4, 50, 150, None, None, 27, 54), 50.0),
        ((4, 4, 50, 150, 0, 60, 27, 54), 50.0),
        # Neither a budget nor any request yet: unknown.
        ((0, 4, 0, 0, None, None, 0, 0), None),
        # Half the pages read, 100 releases found so far: 200 projected, +2 pages, at 2/s.
        ((2, 4, 0, 100, 120, 60, 1, 2), 101.0),
        # Done, including failed releases counted as done.
        ((4, 4, 150, 150, 60, 60, 200, 154), 0.0),
        ((4, 4, 151, 150, 60, 60, 200, 155), 0.0),
        # A short window: 100 requests per 1 s.
        ((3, 3, 0, 200, 100, 1, 2, 250), 2.0),
    ],
)
def test_eta_seconds(figures, expected):
    eta = eta_seconds(*figures)
    assert eta is None if expected is None else eta == pytest.approx(expected)


def test_eta_falls_as_work_is_done_at_the_budget_rate():
    etas = [eta_seconds(3, 3, done, 200, 60, 60, 10 + done, 3 + done) for done in range(0, 201, 20)]
    assert etas == sorted(etas, reverse=True) and etas[-1] == 0.0


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "?"), (0, "0s"), (59.6, "1m00s"), (95, "1m35s"), (3599, "59m59s"), (3720, "1h02m")],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def running_stats(**extra):
    return {
        "start_time": START,
        "downloader/request_count": 40,
        keys.PAGES_TOTAL: 3,
        keys.PAGES_DONE: 3,
        keys.RELEASES_TO_FETCH: 200,
        keys.RELEASES_DONE: 37,
        keys.RELEASES_FAILED: 2,
        keys.ITEMS_STORED: 337,
        **extra,
    }


def test_snapshot_from_stats_with_the_settings_budget():
    snapshot = build_snapshot(running_stats(), START + datetime.timedelta(seconds=40), 60, 60)
    assert snapshot == {
        "elapsed_seconds": 40.0,
        "pages_done": 3,
        "pages_total": 3,
        "releases_done": 37,
        "releases_to_fetch": 200,
        "releases_failed": 2,
        "items_stored": 337,
        "requests": 40,
        "budget_limit": 60.0,
        "budget_period": 60.0,
        "budget_use": 1.0,
        "current_wait": 0.0,
        "percent": 19.7,
        "eta_seconds": 163.0,
    }


def test_snapshot_prefers_the_budget_middlewares_figures():
    stats = running_stats(**{keys.BUDGET_REQUESTS: 20, keys.BUDGET_LIMIT: 25, keys.BUDGET_PERIOD: 60,
                             keys.BUDGET_CURRENT_WAIT: 1.5})
    snapshot = build_snapshot(stats, START + datetime.timedelta(seconds=60), "60", "60")
    assert (snapshot["requests"], snapshot["budget_limit"], snapshot["budget_period"]) == (20, 25.0, 60.0)
    assert snapshot["budget_use"] == pytest.approx(0.8)
    assert snapshot["current_wait"] == 1.5
    # 163 requests left at 20/60 s (observed, below the budget's 25/60 s).
    assert snapshot["eta_seconds"] == pytest.approx(489.0)


def test_snapshot_before_anything_is_known():
    snapshot = build_snapshot({}, START, None, None)
    assert (snapshot["elapsed_seconds"], snapshot["pages_total"], snapshot["eta_seconds"],
            snapshot["percent"], snapshot["budget_use"]) == (None, None, None, None, None)
    assert format_line(snapshot) == (
        "pages 0/?, releases 0/? (0 failed), 0 items stored, 0 requests, budget ?, wait 0.0s, elapsed ?, ETA ?")
    assert format_bar(snapshot) == "0 requests [00:00, ?req/s, ETA ?]"


def test_line_and_bar_show_the_same_figures():
    snapshot = build_snapshot(running_stats(), START + datetime.timedelta(seconds=40), 60, 60)
    assert format_line(snapshot) == (
        "pages 3/3, releases 37/200 (2 failed), 337 items stored, 40 requests (60.0/min), "
        "budget 60/60s (100% used), wait 0.0s, elapsed 40s, ETA 2m43s")
    # 3 pages + 37 releases done of those plus 163 left; the ETA is ours, not tqdm's.
    assert format_bar(snapshot, 80) == (
        " 20%|#####3                     | 40/203 requests [00:40,  1.00req/s, ETA 2m43s]")
    assert len(format_bar(snapshot, 60)) == 60


def test_the_wait_counts_down():
    now = START + datetime.timedelta(seconds=40)
    stats = running_stats(**{keys.BUDGET_CURRENT_WAIT: 57.0, keys.BUDGET_WAIT_UNTIL: now.timestamp() + 20})
    assert build_snapshot(stats, now, 60, 60)["current_wait"] == 20.0
    assert build_snapshot(stats, now + datetime.timedelta(seconds=30), 60, 60)["current_wait"] == 0.0


def test_a_long_wait_is_said_in_words():
    stats = running_stats(**{keys.BUDGET_CURRENT_WAIT: 64.0})
    snapshot = build_snapshot(stats, START + datetime.timedelta(seconds=40), 60, 60)
    assert "waiting for the rate limit (1m04s), elapsed 40s, ETA 2m43s" in format_line(snapshot)
    assert format_bar(snapshot, 100).endswith("[00:40,  1.00req/s, waiting for the rate limit (1m04s), ETA 2m43s]")


def test_finished_is_100_percent():
    stats = running_stats(**{keys.RELEASES_DONE: 200})
    snapshot = build_snapshot(stats, START + datetime.timedelta(seconds=300), 60, 60)
    assert (snapshot["percent"], snapshot["eta_seconds"]) == (100.0, 0.0)
    assert format_bar(snapshot, 60) == "100%|#########| 203/203 requests [05:00,  7.50s/req, ETA 0s]"


class Tty(io.StringIO):
    def isatty(self):
        return True


def open_progress(stream, **settings):
    crawler = get_crawler(settings_dict={"PROGRESS_ENABLED": True, "PROGRESS_INTERVAL": 30.0,
                                         "DISCOGS_RATE_LIMIT": 60, "DISCOGS_RATE_PERIOD": 60, **settings})
    crawler._apply_settings()
    crawler.stats.open_spider()
    for name, value in running_stats().items():
        crawler.stats.set_value(name, value)
    return crawler, Progress(crawler, stream=stream)


@pytest.mark.parametrize(("settings", "reason"), [
    ({"PROGRESS_ENABLED": False}, None),
    ({"PROGRESS_INTERVAL": 0}, "PROGRESS_INTERVAL must be > 0"),
])
def test_not_configured(settings, reason):
    crawler = get_crawler(settings_dict={"PROGRESS_ENABLED": True, **settings})
    with pytest.raises(NotConfigured, match=reason):
        Progress.from_crawler(crawler)


def test_log_line(caplog):
    _, progress = open_progress(io.StringIO())
    with caplog.at_level(logging.INFO, logger="discogs_harvest.extensions.progress"):
        progress.log_progress()
    assert caplog.messages[-1].startswith("Progress: pages 3/3, releases 37/200 (2 failed), 337 items stored")
    assert progress.bar is False


def test_bar_only_on_a_terminal_redrawn_in_place_and_cleared_at_close(caplog):
    stream = Tty()
    _, progress = open_progress(stream)
    assert progress.bar is True
    progress.draw_bar()
    progress.draw_bar()
    with caplog.at_level(logging.INFO, logger="discogs_harvest.extensions.progress"):
        progress.spider_closed(None, "finished")
    drawn = stream.getvalue()
    assert drawn.count("\r\x1b[K 20%|#") == 2
    assert "\n" not in drawn
    assert drawn.endswith("\r\x1b[K")
    assert "Progress at close (finished): pages 3/3" in caplog.text
