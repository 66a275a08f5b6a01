"""OnePageAhead: a page that arrives while another goes out is handled after it, as its continuation.
PagesBehind: pages' listings worked off in order, while they fit before the next page is due."""

import pytest

from discogs_harvest.spiders.ahead import OnePageAhead, PagesBehind


def page(name, items=3):
    def output(result):
        for index in range(items):
            yield f"{name}:{result}:{index}"
    return output


def test_a_page_arriving_while_none_goes_out_is_handled_at_once():
    ahead = OnePageAhead()
    assert list(ahead.run(page("a"), 1)) == ["a:1:0", "a:1:1", "a:1:2"]
    assert list(ahead.run(page("a"), 2)) == ["a:2:0", "a:2:1", "a:2:2"]


def test_a_page_that_came_early_goes_out_after_the_one_going_out():
    ahead = OnePageAhead()
    first = ahead.run(page("page"), 1)
    out = [next(first)]
    assert list(ahead.run(page("page"), 2)) == []  # its own callback: nothing, yet
    out += list(first)
    assert out == ["page:1:0", "page:1:1", "page:1:2", "page:2:0", "page:2:1", "page:2:2"]
    assert list(ahead.run(page("page"), 3)) == ["page:3:0", "page:3:1", "page:3:2"]  # turns free again


def test_each_page_may_bring_the_next_one_early():
    ahead = OnePageAhead()
    callbacks = []

    def requesting(number):
        def output(result):
            if number < 4:
                callbacks.append(ahead.run(requesting(number + 1), number + 1))  # its answer "arrives"
            yield f"{result}:first"
            for callback in callbacks[-1:] if number < 4 else ():
                assert list(callback) == []  # the next page's own callback, while this one goes out
            yield f"{result}:last"
        return output

    assert list(ahead.run(requesting(1), 1)) == ["1:first", "1:last", "2:first", "2:last", "3:first", "3:last",
                                                 "4:first", "4:last"]


def test_a_failure_waits_its_turn_like_an_answer():
    ahead = OnePageAhead()
    first = ahead.run(page("page"), 1)
    out = [next(first)]
    assert list(ahead.run(page("failed", items=1), "error")) == []
    assert out + list(first) == ["page:1:0", "page:1:1", "page:1:2", "failed:error:0"]


def test_a_second_early_page_is_a_bug():
    ahead = OnePageAhead()
    first = ahead.run(page("page"), 1)
    next(first)
    assert list(ahead.run(page("page"), 2)) == []
    with pytest.raises(RuntimeError, match="second page"):
        list(ahead.run(page("page"), 3))


def test_a_callback_that_raises_ends_the_turns():
    ahead = OnePageAhead()

    def broken(result):
        yield "before"
        raise ValueError(result)

    first = ahead.run(broken, "bad")
    assert next(first) == "before"
    assert list(ahead.run(page("page"), 2)) == []
    with pytest.raises(ValueError, match="bad"):
        next(first)
    # The page that was waiting, and any later one, are dropped: a broken page requests nothing more.
    assert list(ahead.run(page("page"), 3)) == []


# --- PagesBehind ---------------------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def listings(clock, seconds):
    """A page's work that takes ``seconds`` on ``clock``."""
    def work(page):
        yield f"{page}:listings"
        clock.now += seconds
        yield f"{page}:checkpoint"
    return work


def test_slow_pages_have_their_listings_out_before_the_next_one_arrives():
    clock = Clock()
    behind = PagesBehind(clock=clock, first_cost=0.05)
    behind.arrived(1, latency=0.3)  # the first page: paced by its download
    assert list(behind.work_off(listings(clock, 0.04))) == ["1:listings", "1:checkpoint"]
    clock.now += 0.26
    behind.arrived(2)
    assert list(behind.work_off(listings(clock, 0.04))) == ["2:listings", "2:checkpoint"]
    assert len(behind) == 0


def test_fast_pages_wait_and_go_out_in_order_once_paging_is_over():
    clock = Clock()
    behind = PagesBehind(clock=clock, first_cost=0.05)
    behind.arrived(1, latency=0.005)
    assert list(behind.work_off(listings(clock, 0.04))) == []
    for page in (2, 3):
        clock.now += 0.006
        behind.arrived(page)
        assert list(behind.work_off(listings(clock, 0.04))) == []
    assert len(behind) == 3
    assert list(behind.work_off(listings(clock, 0.04), everything=True)) == [
        "1:listings", "1:checkpoint", "2:listings", "2:checkpoint", "3:listings", "3:checkpoint"]


def test_the_timed_cost_of_a_page_decides_the_next():
    clock = Clock()
    behind = PagesBehind(clock=clock, first_cost=0.01)
    behind.arrived(1, latency=0.1)
    assert list(behind.work_off(listings(clock, 0.2))) == ["1:listings", "1:checkpoint"]  # slower than assumed
    clock.now += 0.05
    behind.arrived(2)  # 0.25 s after page 1: due in 0.25 s, one page now takes 0.2 s
    clock.now += 0.1
    assert list(behind.work_off(listings(clock, 0.2))) == []
    assert list(behind.work_off(listings(clock, 0.2), everything=True)) == ["2:listings", "2:checkpoint"]
