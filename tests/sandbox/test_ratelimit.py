"""MovingWindow as a pure class: a fake clock, no HTTP."""

import pytest

from discogs_harvest.sandbox.ratelimit import MovingWindow, Verdict


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def window(clock):
    return MovingWindow(60, clock=clock)


def test_counts_up_to_the_limit_then_refuses_without_counting(window):
    verdicts = [window.hit("1.2.3.4", 3) for _ in range(5)]
    assert verdicts == [
        Verdict(True, 3, 1, 2), Verdict(True, 3, 2, 1), Verdict(True, 3, 3, 0),
        Verdict(False, 3, 3, 0), Verdict(False, 3, 3, 0),
    ]


def test_window_moves_one_request_at_a_time(window, clock):
    for _ in range(3):
        window.hit("ip", 3)
        clock.now += 10
    # hits at 1000, 1010, 1020; now 1030: full until the first one is 60 s old
    assert not window.hit("ip", 3).allowed
    clock.now = 1059.9
    assert not window.hit("ip", 3).allowed
    clock.now = 1060.0
    assert window.hit("ip", 3) == Verdict(True, 3, 3, 0)


def test_window_resets_after_a_quiet_window(window, clock):
    for _ in range(3):
        window.hit("ip", 3)
    clock.now += 60
    assert window.peek("ip", 3) == Verdict(True, 3, 0, 3)


@pytest.mark.parametrize("limit, expected", [(60, Verdict(True, 60, 26, 34)), (25, Verdict(False, 25, 25, 0))])
def test_limit_is_per_request_over_one_shared_window(window, limit, expected):
    # credentialed and anonymous requests from one IP share its window (API_FACTS.md §1)
    for _ in range(25):
        window.hit("ip", 60)
    assert window.hit("ip", limit) == expected


def test_clients_are_counted_apart(window):
    for _ in range(3):
        window.hit("a", 3)
    assert not window.hit("a", 3).allowed
    assert window.hit("b", 3) == Verdict(True, 3, 1, 2)


def test_peek_counts_nothing(window):
    window.hit("ip", 5)
    assert window.peek("ip", 5) == Verdict(True, 5, 1, 4)
    assert window.peek("ip", 5) == Verdict(True, 5, 1, 4)


def test_remaining_is_never_negative_when_the_limit_shrinks(window):
    for _ in range(10):
        window.hit("ip", 10)
    assert window.peek("ip", 4) == Verdict(False, 4, 10, 0)


def test_consume_spends_slots_like_foreign_load(window):
    assert window.consume("ip", 58) == 58
    assert window.hit("ip", 60) == Verdict(True, 60, 59, 1)


@pytest.mark.parametrize("spent, expected", [(0, 0.0), (2, 0.0), (3, 60.0), (5, 60.0)])
def test_free_in_says_when_the_next_request_fits(window, spent, expected):
    window.consume("ip", spent)
    assert window.free_in("ip", 3) == expected


def test_free_in_follows_the_oldest_hit_that_must_expire(window, clock):
    for step in range(3):
        window.hit("ip", 3)
        clock.now += 5
    assert window.free_in("ip", 3) == pytest.approx(45.0)  # first hit at 1000, now 1015


def test_a_shorter_window_applies_at_once(window, clock):
    for _ in range(3):
        window.hit("ip", 3)
    clock.now += 3
    window.window = 2.0
    assert window.hit("ip", 3).used == 1


def test_reset_forgets_everyone(window):
    window.consume("a", 3)
    window.consume("b", 3)
    window.reset()
    assert window.peek("a", 3).used == window.peek("b", 3).used == 0


def test_window_must_be_positive():
    with pytest.raises(ValueError):
        MovingWindow(0)


def test_a_frozen_clock_holds_the_window_until_advanced():
    from discogs_harvest.sandbox.clock import SandboxClock

    real = [100.0]
    clock = SandboxClock(source=lambda: real[0])
    window = MovingWindow(2.0, clock=clock)
    clock.set(frozen=True)
    assert window.hit("a", 1).allowed
    real[0] += 50  # the machine stalls: a frozen window does not slide
    assert not window.hit("a", 1).allowed
    clock.set(advance=2.0)
    assert window.hit("a", 1).allowed
    clock.set(frozen=False)
    assert clock() == 102.0  # runs on from where it stood
    with pytest.raises(ValueError):
        clock.set(advance=-1)
