"""The CSV form of list columns: JSON arrays, never Python reprs."""

import csv
import io
import json

import pytest

from discogs_harvest.exporters import CsvItemExporter, csv_cell
from discogs_harvest.items import RELEASE_FEED_FIELDS, ReleaseItem, TrackItem, VideoItem


@pytest.mark.parametrize("value, cell", [
    (["Folk, World, & Country", "Latin"], '["Folk, World, & Country", "Latin"]'),
    ([], "[]"),
    ([TrackItem(sequence=0, position="A1", title="Ñu")], json.dumps(
        [{"sequence": 0, "position": "A1", "side": None, "title": "Ñu", "artist": None, "duration": None,
          "duration_seconds": None, "type": None, "parent_sequence": None, "artists": [], "credits": []}],
        ensure_ascii=False, separators=(", ", ": "))),
    ("text", "text"),
    (None, None),
    (4.5, 4.5),
])
def test_csv_cell(value, cell):
    assert csv_cell(value) == cell


def test_a_release_row_reads_back_with_json_loads():
    release = ReleaseItem(release_id=1, title="T", genres=["Jazz"], styles=["Bossa Nova", "Latin Jazz"],
                          tracks=[TrackItem(sequence=0, position="A1", title="One", duration="3:45",
                                            duration_seconds=225)],
                          videos=[VideoItem(video_id="abc", order_index=0, embed=True)])
    out = io.BytesIO()
    exporter = CsvItemExporter(out, fields_to_export=RELEASE_FEED_FIELDS)
    exporter.start_exporting()
    exporter.export_item(release)
    exporter.finish_exporting()
    row = next(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"))))
    assert "TrackItem(" not in out.getvalue().decode("utf-8")
    assert json.loads(row["styles"]) == ["Bossa Nova", "Latin Jazz"]
    assert json.loads(row["tracks"])[0]["duration_seconds"] == 225
    assert json.loads(row["videos"])[0] == {"video_id": "abc", "order_index": 0, "title": None, "url": None,
                                            "description": None, "duration_seconds": None, "embed": True}
