"""Cut rows into statement-sized batches, at a cost that follows the rows, not the batch size.

peewee's ``chunked(it, n)`` builds its groups with ``zip_longest(*[iter(it)] * n)``: ``n``
iterator references per group, then pops the fill values off a short last group one by one,
so ``chunked(rows, 32766)`` (SQLite's variable limit) costs about 3 ms whatever ``rows`` holds,
paid several times per batch on the storage hot path (issue 12). :func:`slices` gives the same
lists (in order, the last one shorter) by slicing.
"""

from itertools import islice


def slices(rows, size):
    """Lists of at most ``size`` items of ``rows`` (any iterable), in order, as ``chunked`` gives."""
    if size < 1:
        raise ValueError(f"size must be >= 1, not {size}")
    if isinstance(rows, (list, tuple)):
        for start in range(0, len(rows), size):
            yield list(rows[start:start + size])
        return
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch
