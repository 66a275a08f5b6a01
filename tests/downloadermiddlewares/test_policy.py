"""The budget's policy as plain arithmetic: no crawler, no clock, no sleeping."""

import math

import pytest
from scrapy.http import Headers

from discogs_harvest.downloadermiddlewares.policy import (
    INF,
    Breaker,
    Budget,
    RateHeaders,
    Send,
    allowed,
    backoff,
    foreign_at,
    foreign_count,
    implied_window,
    own_upper_bound,
    parse_rate_headers,
    parse_retry_after,
    room_delay,
)

# --- headers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({"X-Discogs-Ratelimit": "60", "X-Discogs-Ratelimit-Used": "5", "X-Discogs-Ratelimit-Remaining": "55"},
         RateHeaders(60, 5, 55)),
        # HTTP/2 lower-case names, bytes values and Scrapy's list-valued Headers.items()
        ({b"x-discogs-ratelimit": [b"25"], b"x-discogs-ratelimit-remaining": [b"24"]}, RateHeaders(25, None, 24)),
        ({"X-Discogs-Ratelimit-Used": "abc", "X-Discogs-Ratelimit": "60"}, RateHeaders(60, None, None)),
        ({"Content-Type": "application/json"}, None),
        # Scrapy's Headers themselves (what the middleware passes): any case, the last value
        (Headers({b"x-discogs-ratelimit": [b"25", b" 30 "], "X-Discogs-Ratelimit-Remaining": "24"}),
         RateHeaders(30, None, 24)),
        (Headers({"Content-Type": "application/json", "X-Discogs-Ratelimit-Used": []}), None),
    ],
)
def test_parse_rate_headers(headers, expected):
    assert parse_rate_headers(headers) == expected


@pytest.mark.parametrize(
    "headers, used",
    [
        (RateHeaders(60, 5, 55), 5),
        # A fresh window has been seen reporting Used 0 with Remaining 24 (API_FACTS §1): trust Remaining.
        (RateHeaders(25, 0, 24), 1),
        (RateHeaders(None, 7, None), 7),
        (RateHeaders(60, None, None), None),
    ],
)
def test_server_used_prefers_remaining(headers, used):
    assert headers.server_used == used


@pytest.mark.parametrize(
    "value, expected",
    [
        ("3", 3.0),
        (b"1.5", 1.5),
        ("-4", 0.0),
        ("", None),
        (None, None),
        ("soon", None),
        ("nan", None),
        # An HTTP date 30 s after "now" (epoch 1445412480 = Wed, 21 Oct 2015 07:28:00 GMT).
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, now_epoch=1445412480) == expected


# --- window arithmetic ------------------------------------------------------------------------


def test_room_now_while_fewer_than_limit_occupy_the_window():
    assert room_delay([5.0, 6.0], limit=3, now=1.0) == 0


def test_room_when_the_oldest_leaves():
    # Three sends occupy a 3-slot window until 5, 6 and 7: room at 5.
    assert room_delay([5.0, 6.0, 7.0], limit=3, now=1.0) == 4.0


def test_room_when_enough_leave_for_a_lower_limit():
    # Four occupying, limit 2: three must leave, the third at 7.
    assert room_delay([5.0, 6.0, 7.0, 8.0], limit=2, now=1.0) == 6.0


def test_unanswered_sends_block_until_an_answer():
    assert room_delay([INF, INF], limit=2, now=1.0) == INF
    assert room_delay([INF, 3.0], limit=2, now=1.0) == 2.0


def test_a_send_ending_exactly_now_has_left():
    assert room_delay([1.0, 2.0], limit=2, now=1.0) == 0


def test_foreign_requests_lower_the_room_until_they_expire():
    # One send of ours; 2 foreign seen, gone by 4; limit 3: full until 4.
    assert room_delay([9.0], limit=3, now=1.0, observations=[(4.0, 2)]) == 3.0
    # The highest live observation counts, each until its own expiry.
    observations = [(4.0, 2), (6.0, 1)]
    assert foreign_at(observations, 3.0) == 2 and foreign_at(observations, 5.0) == 1
    assert foreign_at(observations, 6.0) == 0


def test_foreign_requests_can_take_the_whole_window():
    assert room_delay([], limit=3, now=0.0, observations=[(2.0, 3)]) == 2.0


@pytest.mark.parametrize(
    "limit, foreign, server_limit, headroom, expected",
    [
        (60, 0, None, 0, 60),
        # With foreign requests on the window, one slot more is left to them (CONTENDED).
        (60, 20, None, 0, 39),
        (60, 20, 60, 5, 34),
        # We asked for less than the server allows: foreign load eats the server's spare first.
        (40, 19, 60, 0, 40),
        (40, 29, 60, 0, 30),
        # Anonymous tier: the server's limit wins over ours.
        (60, 0, 25, 0, 25),
    ],
)
def test_allowed(limit, foreign, server_limit, headroom, expected):
    assert allowed(limit, foreign, server_limit, headroom) == expected


# --- header sync ------------------------------------------------------------------------------


def test_own_upper_bound_counts_what_the_server_may_have_held():
    period = 10.0
    answered = Send(reserved=20.0, done=21.0)
    sends = [
        Send(reserved=5.0, done=9.0),  # answered before 20 - 10: out of the server's window
        Send(reserved=8.0, done=10.5),  # may have arrived after 10: may be in
        Send(reserved=19.0, done=19.5),
        Send(reserved=20.5),  # unanswered, reserved before 21: may have arrived first
        answered,
        Send(reserved=21.5),  # reserved after the answer: cannot be in
    ]
    assert own_upper_bound(sends, answered, period) == 4


def test_refused_sends_are_not_in_the_servers_count():
    answered = Send(reserved=20.0, done=21.0)
    sends = [Send(reserved=19.0, done=19.5, refused=True), answered]
    assert own_upper_bound(sends, answered, 10.0) == 1
    answered.refused = True
    assert own_upper_bound(sends, answered, 10.0) == 0


def test_a_429_reveals_every_foreign_request():
    """The server holds 16 foreign + 14 of ours and refuses our 15th: 16 are foreign."""
    budget = Budget(limit=30, period=3.0, spacing=False)
    ours = [budget.reserve(0.01 * i) for i in range(14)]
    for i, send in enumerate(ours):
        budget.answered(send, 0.01 * i + 0.005)
    refused = budget.reserve(0.5)
    _, _, foreign = budget.refused(refused, 0.51, RateHeaders(30, 30, 0))
    assert foreign == 16
    # The refused send is not in the window; 14 of ours is more than the window leaves us
    # (13, beside the 16 and the slot kept free for them).
    assert budget.in_window(0.6) == 14
    assert allowed(budget.limit, budget.foreign(0.6), budget.server_limit) == 13
    assert budget.delay(0.6) > 0


@pytest.mark.parametrize(
    "headers, own, expected",
    [
        (RateHeaders(30, 12, 18), 10, 2),
        (RateHeaders(30, 8, 22), 10, 0),  # we counted more than the server: nothing foreign
        (RateHeaders(None, None, None), 10, 0),
        (None, 10, 0),
    ],
)
def test_foreign_count(headers, own, expected):
    assert foreign_count(headers, own) == expected


def test_budget_alone_never_sees_foreign_requests():
    budget = Budget(limit=5, period=10, spacing=False)
    sends = [budget.reserve(0.0) for _ in range(3)]
    # The server counts them in arrival order; each answer reports the count so far.
    for used, send in enumerate(sends, start=1):
        assert budget.answered(send, 0.1 * used, RateHeaders(5, used, 5 - used)) == 0
    assert budget.foreign(1.0) == 0
    assert budget.delay(1.0) == 0


def test_budget_slows_down_when_the_server_counts_more_than_we_sent():
    budget = Budget(limit=10, period=10, spacing=False)
    send = budget.reserve(0.0)
    # Another process on the same token has spent 6: the server holds 7 with ours.
    assert budget.answered(send, 0.2, RateHeaders(10, 7, 3)) == 6
    assert budget.foreign(1.0) == 6
    for _ in range(2):
        assert budget.delay(1.0) == 0
        budget.reserve(1.0)
    # 3 of ours + 6 foreign + the slot kept free for them: full until the foreign
    # observation expires (0.2 + 10).
    assert budget.delay(1.0) == pytest.approx(9.2)


def test_a_growing_foreign_count_is_expected_to_grow_once_more_before_our_next_send():
    """Two harvests on one token filling a fresh window together (make bench's two crawls,
    sandbox log): each answer shows the other one more request along, and by the time our
    next send leaves, it has sent one more again. Taking the last count as the window's
    would send our 19th into a window of 30 already full."""
    budget = Budget(limit=30, period=3.0, spacing=False)
    ours = [budget.reserve(0.1 * i) for i in range(18)]
    for i, send in enumerate(ours[:16]):
        budget.answered(send, 0.1 * i + 0.01)  # alone so far
    assert budget.answered(ours[16], 1.61, RateHeaders(30, 27, 3)) == 10
    assert budget.answered(ours[17], 1.71, RateHeaders(30, 29, 1)) == 11
    # 18 of ours + 11 foreign leave one slot, but the other harvest is one along by now.
    assert budget.foreign(1.8) == 12
    assert budget.delay(1.8) > 0
    # The next answer says what the count really is: it replaces the prediction, and a count
    # that stopped growing predicts nothing more.
    send = budget.reserve(3.0)  # the server still holds our 19 (the first left at 3.0) and the 11
    assert budget.answered(send, 3.01, RateHeaders(30, 30, 0)) == 11
    assert budget.foreign(3.1) == 11


def test_the_last_free_slot_is_left_to_the_other_client():
    """Two harvests on one token, 15 each in a window of 30 (make bench's two crawls,
    sandbox log): when one of the other's requests leaves the window, each sees 14
    foreign beside its own 15 and one free slot. Both took it at once, and the later one
    got a 429, once a window for the whole run. The slot is left free while anyone
    else is on the window."""
    budget = Budget(limit=30, period=3.0, spacing=False)
    ours = [budget.reserve(0.1 * i) for i in range(15)]
    for i, send in enumerate(ours):
        assert budget.answered(send, 1.5 + 0.01 * i, RateHeaders(30, 29, 1)) == 14
    assert budget.in_window(1.7) == 15 and budget.foreign(1.7) == 14
    assert budget.delay(1.7) > 0
    # Nobody else on the window: no slot is kept back (alone, the whole window is ours).
    alone = Budget(limit=30, period=3.0, spacing=False)
    sends = [alone.reserve(0.0) for _ in range(29)]
    for used, send in enumerate(sends, start=1):
        alone.answered(send, 0.01, RateHeaders(30, used, 30 - used))
    assert alone.delay(0.1) == 0


def test_a_first_or_steady_foreign_count_predicts_nothing():
    budget = Budget(limit=30, period=3.0, spacing=False)
    first, second = budget.reserve(0.0), budget.reserve(0.1)
    assert budget.answered(first, 0.01, RateHeaders(30, 16, 14)) == 15  # first sight: no trend yet
    assert budget.foreign(0.05) == 15
    assert budget.answered(second, 0.11, RateHeaders(30, 17, 13)) == 15  # steady
    assert budget.foreign(0.2) == 15


def test_budget_adopts_a_lower_server_limit():
    budget = Budget(limit=60, period=60, spacing=False)
    send = budget.reserve(0.0)
    budget.answered(send, 0.1, RateHeaders(25, 1, 24))
    assert budget.effective_limit == 25
    for _ in range(24):
        budget.reserve(0.2)
    assert budget.delay(0.2) > 0


# --- the budget's gate ------------------------------------------------------------------------


def test_budget_never_lets_more_than_the_limit_into_any_window():
    """Drive the gate as fast as it allows; every answer takes 0.05 s."""
    limit, period = 4, 2.0
    budget = Budget(limit=limit, period=period)
    now, reserved = 0.0, []
    while len(reserved) < 20:
        delay = budget.delay(now)
        if delay > 0:
            now += delay
            continue
        send = budget.reserve(now)
        reserved.append(now)
        budget.answered(send, now + 0.05)
    for t in reserved:
        assert sum(1 for r in reserved if t - period < r <= t) <= limit
    assert reserved[limit] >= reserved[0] + period + 0.05


def test_spacing_spreads_a_fresh_window():
    budget = Budget(limit=4, period=2.0)
    budget.reserve(0.0)
    assert budget.delay(0.0) == pytest.approx(0.5)
    assert Budget(limit=4, period=2.0, spacing=False).delay(0.0) == 0


def test_headroom_is_kept_back():
    budget = Budget(limit=4, period=2.0, headroom=1, spacing=False)
    for _ in range(3):
        budget.reserve(0.0)
    assert budget.delay(0.0) == INF


def test_unanswered_requests_hold_their_slot():
    budget = Budget(limit=2, period=1.0, spacing=False)
    first, _ = budget.reserve(0.0), budget.reserve(0.0)
    assert budget.delay(5.0) == INF
    budget.lost(first, 5.0)  # a timeout: it may have been counted, so it stays a period
    assert budget.delay(5.0) == pytest.approx(1.0)


def test_old_sends_are_forgotten():
    budget = Budget(limit=2, period=1.0, spacing=False)
    for t in range(10):
        budget.answered(budget.reserve(float(t)), t + 0.1)
    budget.delay(10.0)
    assert len(budget.sends) <= 2


@pytest.mark.parametrize("limit, period", [(0, 60), (-1, 60), (None, 60), (60, 0), (60, -1)])
def test_budget_rejects_nonsense(limit, period):
    with pytest.raises(ValueError):
        Budget(limit, period)


# --- 429s and the breaker -----------------------------------------------------------------------


def test_429_with_retry_after_pauses_everything_then_one_probe():
    budget = Budget(limit=10, period=10.0, spacing=False, retry_after_max=300)
    send = budget.reserve(0.0)
    pause, opened, _ = budget.refused(send, 0.1, retry_after=5.0)
    assert (pause, opened) == (5.0, False)
    assert budget.delay(0.1) == pytest.approx(5.0)
    probe = budget.reserve(5.1)
    assert probe.probe
    assert budget.delay(5.1) == INF  # the others wait for the probe's answer
    budget.answered(probe, 5.2, RateHeaders(10, 1, 9))
    assert budget.delay(5.2) == 0
    assert not budget.reserve(5.2).probe


def test_retry_after_is_capped():
    budget = Budget(limit=10, period=10.0, retry_after_max=30)
    pause, _, _ = budget.refused(budget.reserve(0.0), 0.0, retry_after=3600)
    assert pause == 30


def test_429_explained_by_the_headers_waits_for_the_window():
    """The server says the window is full: another process is using it. Wait for room."""
    budget = Budget(limit=4, period=10.0, spacing=False)
    sends = [budget.reserve(0.0), budget.reserve(0.0)]
    budget.answered(sends[0], 0.1, RateHeaders(4, 1, 3))
    pause, opened, foreign = budget.refused(sends[1], 0.2, RateHeaders(4, 4, 0))
    # The server held 4 without the refused one: ours answered at 0.1 and 3 foreign.
    assert pause == 0 and not opened and foreign == 3
    # Our window: one send until 10.1, 3 foreign and the slot kept free for them until
    # 10.2: full until 10.2.
    assert budget.delay(0.2) == pytest.approx(10.0)


def test_429_the_headers_cannot_explain_waits_a_whole_period():
    """The server refuses although it reports room (hot IP, storm): wait a period."""
    budget = Budget(limit=10, period=6.0, spacing=False)
    pause, opened, _ = budget.refused(budget.reserve(0.0), 0.1, RateHeaders(10, 3, 7))
    assert pause == 6.0 and not opened
    assert budget.delay(0.1) == pytest.approx(6.0)


def test_a_run_of_429s_opens_the_breaker_with_growing_cooldowns():
    breaker = Breaker(period=10.0, threshold=3, cap=100.0)
    pauses = []
    now = 0.0
    for _ in range(6):
        now += breaker.delay(now)
        assert breaker.sent(now) or breaker.state == "closed"
        pause, opened = breaker.refused(now)
        pauses.append((pause, opened))
    assert pauses == [(10.0, False), (20.0, False), (40.0, True), (80.0, False), (100.0, False), (100.0, False)]
    assert breaker.is_open


def test_once_open_a_short_retry_after_does_not_shorten_the_cooldown():
    breaker = Breaker(period=10.0, threshold=2, cap=300.0)
    assert breaker.refused(0.0, retry_after=1.0) == (1.0, False)
    assert breaker.refused(1.0, retry_after=1.0) == (20.0, True)
    assert breaker.refused(21.0, retry_after=100.0) == (100.0, False)


def test_explained_429s_wait_for_the_window_until_the_breaker_opens():
    breaker = Breaker(period=10.0, threshold=3)
    assert breaker.refused(0.0, explained=True) == (0.0, False)
    assert breaker.refused(0.1, explained=True) == (0.0, False)
    assert breaker.refused(0.2, explained=True) == (40.0, True)


def test_the_probes_answer_closes_the_breaker():
    breaker = Breaker(period=10.0, threshold=2)
    for _ in range(2):
        breaker.refused(0.0)
    assert breaker.is_open
    assert breaker.delay(0.0) == 20.0  # 10 s, then 20 s: the second pause
    assert breaker.sent(20.0)
    assert breaker.delay(20.0) == INF
    breaker.answered(probe=True)
    assert not breaker.is_open and breaker.delay(20.0) == 0


def test_answers_to_requests_sent_before_the_429_do_not_close_it():
    breaker = Breaker(period=10.0)
    breaker.refused(0.0)
    breaker.answered(probe=False)
    assert breaker.state == "paused"


def test_a_lost_probe_lets_another_go():
    breaker = Breaker(period=10.0)
    breaker.refused(0.0)
    assert breaker.sent(10.0)
    breaker.lost(probe=True)
    assert breaker.delay(10.0) == 0 and breaker.sent(10.0)


def test_a_good_answer_ends_a_run_of_429s():
    breaker = Breaker(period=10.0, threshold=3)
    breaker.refused(0.0)
    breaker.sent(10.0)
    breaker.answered(probe=True)
    breaker.refused(20.0)
    assert breaker.consecutive == 1


# --- backoff --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "attempt, rand, expected",
    [(1, 0.0, 0.5), (1, 0.999999, 1.0), (2, 0.0, 1.0), (3, 0.5, 3.0), (10, 0.0, 30.0), (10, 1.0, 60.0)],
)
def test_backoff_is_exponential_jittered_and_capped(attempt, rand, expected):
    assert backoff(attempt, base=1.0, cap=60.0, rand=rand) == pytest.approx(expected, abs=1e-5)


def test_backoff_never_exceeds_the_cap():
    assert all(backoff(n, 2.0, 30.0, 0.999) <= 30.0 for n in range(1, 40))
    assert math.isfinite(backoff(1000, 1.0, 60.0, 0.5))


# --- a window longer than configured ---------------------------------------------------------


@pytest.mark.parametrize("accepted, headers, own, expected", [
    ([0.0, 1.0, 2.0], RateHeaders(3, 3, 0), 1, 4.0),  # full, ours in period 1 < 3: back to 0.0
    ([0.0, 1.0, 2.0], RateHeaders(3, 3, 0), 3, None),  # our window explains it
    ([0.0, 1.0, 2.0], RateHeaders(5, 3, 2), 1, None),  # not full: a storm, not a window
    ([1.0, 2.0], RateHeaders(3, 3, 0), 1, None),  # we never sent that many: others did
    ([0.0, 1.0, 2.0], None, 1, None),
])
def test_implied_window(accepted, headers, own, expected):
    assert implied_window(accepted, headers, own, 4.0) == expected


def test_a_period_proven_too_short_becomes_discogs_window():
    budget = Budget(4, 2.0)
    now = 0.0
    for n in range(1, 7):  # the server's window holds all of them: after 2 s they look foreign
        send = budget.reserve(now)
        budget.answered(send, now + 0.01, RateHeaders(6, n, 6 - n))
        now += 0.5
    assert not budget.foreign_seen  # our own older sends explain what the headers count
    now = 3.5
    send = budget.reserve(now)
    budget.refused(send, now, RateHeaders(6, 6, 0))
    assert budget.learn_window(now, RateHeaders(6, 6, 0)) is None  # one 429 proves nothing yet
    now = 6.0
    send = budget.reserve(now)
    budget.refused(send, now, RateHeaders(6, 6, 0))
    assert budget.learn_window(now, RateHeaders(6, 6, 0)) == (2.0, 6.0)
    assert budget.period == 60.0 and budget.breaker.period == 60.0
    assert budget.in_window(now) == 6  # the pruned sends are back in the model
    assert budget.delay(now) == pytest.approx(55.01)  # until 3 have left the 60 s window (limit 4)
    assert budget.breaker.consecutive == 0
    send = budget.reserve(now)
    budget.refused(send, now, RateHeaders(6, 6, 0))
    assert budget.learn_window(now, RateHeaders(6, 6, 0)) is None  # 6 s < 1.5 x 60 s: said once


def test_other_clients_on_the_window_are_never_taken_for_a_longer_window():
    budget = Budget(4, 2.0)
    send = budget.reserve(0.0)
    budget.answered(send, 0.01, RateHeaders(4, 3, 1))  # 3 counted, 1 of them ours, none older
    assert budget.foreign_seen
    for t in (1.0, 2.0, 3.0):
        budget.accepted.append((t, t + 0.01))
    for now in (9.0, 9.5):
        budget.refused(budget.reserve(now), now, RateHeaders(4, 4, 0))
        assert budget.learn_window(now, RateHeaders(4, 4, 0)) is None


# --- the window is scanned only when it matters --------------------------------------------


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize(("limit", "headroom"), [(5, 0), (60, 2), (1_000_000, 0)])
def test_delays_and_kept_sends_are_those_of_a_full_scan(seed, limit, headroom):
    # Budget skips room_delay when room is certain: a random run of sends, answers (some with
    # headers revealing foreign requests), 429s and losses gives the delays a full scan of
    # the window gives, and keeps the sends a full prune keeps.
    import random

    r = random.Random(seed)
    budget = Budget(limit, 1.0, headroom=headroom, spacing=False)
    now, open_sends = 0.0, []
    for _ in range(400):
        now += r.expovariate(limit / 1.5 if limit < 1000 else 300)
        scanned = room_delay([s.end(budget.period) for s in budget.sends], budget.limit, now,
                             [o for o in budget.observations if o[0] > now], budget.server_limit, budget.headroom)
        unanswered = [s.reserved for s in budget.sends if s.done is None]
        horizon = min([now, *unanswered]) - budget.period
        kept = [s for s in budget.sends if s.done is None or s.done > horizon]
        delay = budget.delay(now)
        assert budget.sends == kept
        assert budget._room(now) == scanned
        if delay <= 0 and r.random() < 0.7:
            open_sends.append(budget.reserve(now))
        elif open_sends:
            send = open_sends.pop(r.randrange(len(open_sends)))
            roll = r.random()
            used = min(limit, len(budget.sends) + r.randrange(3))
            headers = RateHeaders(limit, used, limit - used) if roll < 0.5 else None
            if roll < 0.85:
                budget.answered(send, now, headers)
            elif roll < 0.95:
                budget.refused(send, now, RateHeaders(limit, limit, 0))
            else:
                budget.lost(send, now)
            # The window searched in reservation order counts what a full scan counts.
            assert budget._ordered
            assert budget._own_upper_bound(send) == own_upper_bound(budget.sends, send, budget.period)
            assert list(budget._open) == [s for s in budget.sends if s.done is None]


def test_reservations_out_of_order_are_counted_by_full_scans():
    budget = Budget(6, 1.0, spacing=False)
    late, early = budget.reserve(2.0), budget.reserve(1.0)  # a clock that went back
    assert not budget._ordered
    # Both can have been in the server's window: 4 reported, 2 of them ours.
    assert budget.answered(early, 2.1, RateHeaders(6, 4, 2)) == 2
    assert budget.delay(2.2) == 0 and budget.sends == [late, early]
    assert budget.answered(late, 2.3, RateHeaders(6, 2, 4)) == 0
    assert budget.delay(3.4) == 0 and budget.sends == []
