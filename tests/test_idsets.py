import random

import pytest

from discogs_harvest import idsets
from discogs_harvest.idsets import IdSet


@pytest.mark.parametrize("seed", range(5))
def test_an_id_set_answers_as_a_set_does(seed, monkeypatch):
    monkeypatch.setattr(idsets, "MIN_MERGE", 16)  # many merges in a short test
    draw = random.Random(seed)
    ids, expected = IdSet(), set()
    for _ in range(3000):
        value = draw.choice([draw.randrange(-2**63, 2**63), draw.randrange(1_000), draw.randrange(2**64, 2**65),
                             None, str(draw.randrange(10))])
        assert (value in ids) == (value in expected)
        ids.add(value)
        expected.add(value)
        assert len(ids) == len(expected)
    assert sorted(map(repr, ids)) == sorted(map(repr, expected))
    assert all(value in ids for value in expected)
    assert sum(1 for _ in ids) == len(expected)


def test_ints_are_kept_in_order_at_eight_bytes_each():
    ids = IdSet(range(5000, 0, -1))
    ids.update([3, 5001])
    assert list(ids) == list(range(1, 5002))
    assert ids._sorted.itemsize == 8 and len(ids._sorted) == 5001
