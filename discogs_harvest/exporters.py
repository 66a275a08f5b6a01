"""CsvItemExporter: CSV feeds with list columns as JSON arrays, never Python reprs.

Scrapy's CSV exporter joins a list of strings with commas and writes anything else with
``str()``: a release's tracks came out as ``[TrackItem(sequence=0, ...)]``, and a genre
like "Folk, World, & Country" could not be told from two genres. Here every list column
(``genres``, ``styles``, ``tracks``, ``videos``) holds a JSON array, with the same values
and keys as the JSON feed (``["Latin", "Jazz"]``, ``[{"sequence": 0, "position": "A1",
...}]``), so one ``json.loads`` per cell reads it back. Other columns are as Scrapy
writes them. Registered for ``csv`` in ``FEED_EXPORTERS`` (settings.py).
"""

import json
from dataclasses import asdict, is_dataclass

from scrapy.exporters import CsvItemExporter as ScrapyCsvItemExporter


def plain(value):
    """Items and lists of items as plain dicts and lists (what the JSON feed holds)."""
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def csv_cell(value):
    """A list (or a nested item) as compact JSON text; anything else unchanged."""
    if isinstance(value, (list, tuple, dict)) or (is_dataclass(value) and not isinstance(value, type)):
        return json.dumps(plain(value), ensure_ascii=False, separators=(", ", ": "))
    return value


class CsvItemExporter(ScrapyCsvItemExporter):
    def serialize_field(self, field, name, value):
        if "serializer" in field:
            return super().serialize_field(field, name, value)
        return super().serialize_field(field, name, csv_cell(value))
