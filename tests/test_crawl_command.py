"""The crawl command's verdict on a finished harvest, as a pure function of its stats."""

import pytest

from discogs_harvest.commands.crawl import incomplete_message


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, None),
        ({"harvest/releases/done": 320, "harvest/releases/failed": 0}, None),
        ({"harvest/releases/failed": 2}, "harvest incomplete: 2 releases failed every retry"),
        ({"harvest/pages/failed": 1}, "harvest incomplete: 1 inventory pages failed every retry"),
        ({"harvest/storage/items_failed": 3, "harvest/releases/failed": 1},
         "harvest incomplete: 1 releases failed every retry; 3 items could not be stored"),
    ],
)
def test_incomplete_message(values, expected):
    message = incomplete_message(values)
    if expected is None:
        assert message is None
    else:
        assert message.startswith(expected) and "\n" not in message
