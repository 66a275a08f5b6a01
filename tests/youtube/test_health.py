"""The video health policy, driven by a simulated clock: no Scrapy, no database."""

import datetime
import json

import pytest

from discogs_harvest.youtube.health import (
    EMBEDDING_DISABLED, FAILING, PLAYABLE, PRIVATE, REMOVED, TRANSIENT, Outcome, VideoHealth, assess, classify,
    is_due, lost, parse_age,
)
from discogs_harvest.youtube.oembed import oembed_url

T0 = datetime.datetime(2026, 1, 1, 12, 0)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
OEMBED = json.dumps({"title": "Song", "author_name": "Someone", "type": "video", "version": "1.0",
                     "html": "<iframe></iframe>", "provider_name": "YouTube"})


@pytest.mark.parametrize("status, content_type, body, result", [
    (200, "application/json", OEMBED, PLAYABLE),
    (200, "text/html", "Forbidden", TRANSIENT),  # the Dec 2020 quirk: a 200 that is not oEmbed
    (200, "application/json", "{trunc", TRANSIENT),
    (200, "application/json", '{"type": "photo"}', TRANSIENT),
    (200, "application/json", "[]", TRANSIENT),
    (401, "text/html", "Unauthorized", EMBEDDING_DISABLED),
    (403, "text/html", "Forbidden", PRIVATE),
    (404, "text/html", "Not Found", REMOVED),
    (400, "text/html", "Bad Request", REMOVED),
    (429, "text/html", "Too Many Requests", TRANSIENT),
    (500, "text/html", "", TRANSIENT),
    (503, "text/html", "Service Unavailable", TRANSIENT),
    (302, "text/html", "", TRANSIENT),
])
def test_classify(status, content_type, body, result):
    assert classify(status, content_type, body.encode()).result == result


def test_classify_keeps_the_title_and_says_why():
    assert classify(200, "application/json; charset=utf-8", OEMBED).title == "Song"
    assert classify(401, "text/plain", b"Unauthorized").detail == \
        "HTTP 401 Unauthorized: embedding disabled by the owner"
    assert lost("TimeoutError: took too long") == Outcome(TRANSIENT, "TimeoutError: took too long")


def run(*steps, start=VideoHealth()):
    """Apply ``(hours after T0, outcome)`` steps; return every state."""
    states, state = [], start
    for hours, result in steps:
        state = assess(state, Outcome(result, "why"), T0 + hours * HOUR)
        states.append(state)
    return states


@pytest.mark.parametrize("kind", [REMOVED, PRIVATE, EMBEDDING_DISABLED])
def test_gone_only_after_two_failures_a_day_apart(kind):
    first, same_day, next_day = run((0, kind), (5, kind), (24, kind))
    assert (first.status, first.consecutive_failures, first.gone) == (FAILING, 1, False)
    assert (same_day.status, same_day.consecutive_failures, same_day.gone) == (FAILING, 2, False)
    assert (next_day.status, next_day.consecutive_failures, next_day.gone_at) == (kind, 3, T0 + 24 * HOUR)
    assert next_day.first_failure_at == T0
    assert next_day.status_changed_at == T0 + 24 * HOUR


def test_one_failure_a_day_later_is_not_enough_when_it_is_the_first():
    (state,) = run((48, REMOVED), start=VideoHealth(status=PLAYABLE, checked_at=T0))
    assert state.status == FAILING and not state.gone


def test_transient_answers_never_flag_nor_count_as_a_check():
    states = run((0, TRANSIENT), (30, TRANSIENT), (60, TRANSIENT))
    assert all(s.status is None and s.checked_at is None and not s.gone for s in states)
    assert states[-1].last_result == TRANSIENT and states[-1].last_attempt_at == T0 + 60 * HOUR
    # Between two failures a day apart, a transient answer changes nothing of the streak.
    *_, last = run((0, REMOVED), (10, TRANSIENT), (25, REMOVED))
    assert last.status == REMOVED and last.consecutive_failures == 2


def test_playable_clears_a_streak_and_a_gone_flag():
    *_, gone, back = run((0, PRIVATE), (24, PRIVATE), (30, PLAYABLE))
    assert gone.status == PRIVATE and gone.gone
    assert (back.status, back.consecutive_failures, back.gone_at, back.first_failure_at) == (PLAYABLE, 0, None, None)
    assert back.status_changed_at == T0 + 30 * HOUR
    *_, again = run((0, REMOVED), (2, PLAYABLE), (26, REMOVED))
    assert again.status == FAILING  # the streak started again at hour 26


def test_gone_stays_gone_and_keeps_when_it_went():
    *_, gone, later = run((0, REMOVED), (24, REMOVED), (48, PRIVATE))
    assert gone.gone_at == T0 + 24 * HOUR and later.gone_at == gone.gone_at
    assert later.status == PRIVATE


def test_status_changed_at_moves_only_on_a_change():
    a, b = run((0, PLAYABLE), (24, PLAYABLE))
    assert a.status_changed_at == b.status_changed_at == T0
    assert b.checked_at == T0 + 24 * HOUR


@pytest.mark.parametrize("text, expected", [
    ("7d", 7 * DAY), ("12h", 12 * HOUR), ("30m", datetime.timedelta(minutes=30)), ("0", datetime.timedelta(0)),
    ("2w", 14 * DAY), ("1.5d", 36 * HOUR), ("90s", datetime.timedelta(seconds=90)), ("3", 3 * DAY),
])
def test_parse_age(text, expected):
    assert parse_age(text) == expected


@pytest.mark.parametrize("text", ["", "week", "-1d", "7x", "d7"])
def test_parse_age_refuses(text):
    with pytest.raises(ValueError):
        parse_age(text)


def test_is_due():
    assert is_due(None, T0, 7 * DAY)
    assert is_due(T0 - 7 * DAY, T0, 7 * DAY)
    assert not is_due(T0 - 6 * DAY, T0, 7 * DAY)


def test_oembed_url_rebuilds_the_watch_url():
    assert oembed_url("http://127.0.0.1:1/oembed", "dQw4w9WgXcQ") == (
        "http://127.0.0.1:1/oembed?url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3DdQw4w9WgXcQ&format=json")
