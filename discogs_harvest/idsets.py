"""IdSet: a set of integer ids at about 8 bytes an id, for what a harvest remembers per listing.

A Python ``set`` of 100,000 listing ids costs about 7 MB (a 4 MiB table and a 32-byte object
per int): the dedup and staleness pipelines each kept one for the whole run, so a harvest's
peak memory grew with the inventory (issue 12: ``tests/bench/bench_phases.py``). An IdSet
keeps its ids in a sorted ``array('q')``; new ids collect in a small set that is merged into
the array (``heapq.merge``, linear) once it holds an eighth as many, so adding n ids costs
O(n log n) overall and a lookup is a set probe and a bisection.

It answers ``in``, ``len`` and iteration as the set it replaces would. Values that are not
64-bit ints (a loader always gives ints; items are not trusted) stay in a plain set beside
the array, compared as a set compares them.
"""

from array import array
from bisect import bisect_left
from heapq import merge

_LOW, _HIGH = -(2**63), 2**63
# Ids added since the last merge never wait in the small set beyond this many, or an eighth
# of the array: memory stays near 8 bytes an id, merges stay rare.
MIN_MERGE = 1024


class IdSet:
    __slots__ = ("_sorted", "_recent", "_other")

    def __init__(self, ids=()):
        self._sorted = array("q")
        self._recent = set()
        self._other = set()
        self.update(ids)

    def _in_array(self, value):
        index = bisect_left(self._sorted, value)
        return index < len(self._sorted) and self._sorted[index] == value

    def __contains__(self, value):
        if type(value) is int and _LOW <= value < _HIGH:
            return value in self._recent or self._in_array(value)
        return value in self._other

    def add(self, value):
        if not (type(value) is int and _LOW <= value < _HIGH):
            self._other.add(value)
        elif value not in self._recent and not self._in_array(value):
            self._recent.add(value)
            if len(self._recent) >= max(MIN_MERGE, len(self._sorted) // 8):
                self._merge()

    def update(self, ids):
        for value in ids:
            self.add(value)

    def _merge(self):
        self._sorted = array("q", merge(self._sorted, sorted(self._recent)))
        self._recent = set()

    def __len__(self):
        return len(self._sorted) + len(self._recent) + len(self._other)

    def __iter__(self):
        """The int ids in ascending order, then any others."""
        if self._recent:
            self._merge()
        yield from self._sorted
        yield from self._other

    def __repr__(self):
        return f"IdSet({len(self)} ids)"
