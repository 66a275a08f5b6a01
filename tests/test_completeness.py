"""The completeness policy: which pages prove a seller's whole inventory (no crawler needed)."""

import pytest

from discogs_harvest.completeness import PageSeen, disagreement, judge, replayable, slack

HOUR = 3600.0


def pages(*counts, items=None, pages_total=None, start=0.0, step=1.0, first_id=0, replayed=False):
    """Pages 1..n holding ``counts`` listings with consecutive ids."""
    out, next_id = [], first_id
    total = len(counts) if pages_total is None else pages_total
    announced = sum(counts) if items is None else items
    for number, count in enumerate(counts, 1):
        ids = tuple(range(next_id, next_id + count))
        next_id += count
        out.append(PageSeen(number, total, announced, ids, start + number * step, has_next=number < total,
                            replayed=replayed))
    return out


@pytest.mark.parametrize(("seen", "expected"), [
    (pages(100, 100, 50), (True, "250 listings on 3 pages")),
    (pages(), (False, "no inventory page was read")),
    (pages(100, 100, 100, pages_total=8, items=800), (False, "paging ended at page 3 of 8")),
    (pages(100, 0, 100, items=300), (False, "200 listings seen of the 300")),
    (pages(100, 50, 100, items=300), (False, "250 listings seen of the 300")),
    (pages(100, 100, 99, items=300), (True, "299 listings on 3 pages, 300 announced")),  # within the slack
    (pages(100, 100, step=2 * HOUR), (False, "fetched over 120 min")),
    (pages(100, 100, 100, pages_total=3, items=300)[:1] + pages(100, 100, 100, items=300)[2:],
     (False, "are not 1..2 without a gap")),
])
def test_judge(seen, expected):
    verdict = judge(seen, max_span=HOUR, ratio=0.01)
    assert verdict.complete is expected[0]
    assert expected[1] in verdict.reason


def test_pages_that_disagree_on_the_inventory_size_prove_nothing():
    seen = pages(100, 100, 100, items=300)
    seen[2] = PageSeen(3, 3, 290, seen[2].listing_ids, seen[2].fetched_at, False)
    assert judge(seen, HOUR, 0.01).reason == "the inventory's size moved from 290 to 300 listings while it was paged"


@pytest.mark.parametrize(("items", "ratio", "expected"), [(0, 0.01, 2), (800, 0.01, 8), (10_000, 0.01, 100),
                                                          (800, 0.0, 2)])
def test_slack(items, ratio, expected):
    assert slack(items, ratio) == expected


def test_fresh_page_agreeing_with_the_replayed_ones():
    replayed = pages(100, 100, 100, items=300, replayed=True)
    assert disagreement(replayed[:2], replayed[2]) is None
    assert disagreement([], replayed[0]) is None


def test_fresh_page_after_the_seller_changed():
    replayed = pages(100, 100, 100, items=300, replayed=True)
    smaller = PageSeen(3, 3, 290, tuple(range(200, 290)), 9.0, False)
    assert "300 listings on 3 pages then, 290 on 3 now" in disagreement(replayed[:2], smaller)
    shifted = PageSeen(3, 3, 300, tuple(range(195, 295)), 9.0, False)
    assert disagreement(replayed[:2], shifted) == "5 listings of page 3 were already on the stored pages"


def test_replayable():
    assert replayable(0.0, HOUR, HOUR)
    assert not replayable(0.0, HOUR + 1, HOUR)
