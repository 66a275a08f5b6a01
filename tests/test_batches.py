import pytest
from peewee import chunked

from discogs_harvest.batches import slices


@pytest.mark.parametrize("rows", [[], [1], list(range(7)), list(range(9)), tuple(range(10))])
@pytest.mark.parametrize("size", [1, 3, 9, 32766])
def test_slices_give_what_chunked_gives(rows, size):
    assert list(slices(rows, size)) == list(chunked(rows, size))
    assert list(slices(iter(rows), size)) == list(chunked(rows, size))
    assert list(slices((row for row in rows), size)) == list(chunked(rows, size))


def test_slices_refuse_an_empty_size():
    with pytest.raises(ValueError):
        list(slices([1, 2], 0))
