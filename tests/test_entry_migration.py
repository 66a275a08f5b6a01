"""A database written before the entry spiders (issue 13) is upgraded in place: the
collection instance columns and their unique index are added, the new tables created,
existing listings kept."""

import sqlite3

from discogs_harvest.database import open_database
from discogs_harvest.migrations import missing_columns

# What the schema was before: today's, less what issue 13 added.
BEFORE = """
DROP INDEX collection_items_collection_id_instance_id;
ALTER TABLE collection_items DROP COLUMN instance_id;
ALTER TABLE collection_items DROP COLUMN folder_id;
ALTER TABLE collection_items DROP COLUMN rating;
ALTER TABLE collection_items DROP COLUMN date_added;
DROP TABLE wants; DROP TABLE labels; DROP TABLE artists; DROP TABLE masters; DROP TABLE entity_releases;
DROP TABLE search_results; DROP TABLE marketplace_stats; DROP TABLE price_suggestions;
INSERT INTO collection_items (collection_id, listing_id, release_id, price) VALUES ('inventory:x', 5, 7, 9.5);
"""


def test_collection_items_gain_instance_columns_and_index(tmp_path):
    path = tmp_path / "before.db"
    open_database(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as connection:
        connection.executescript(BEFORE)
    database = open_database(f"sqlite:///{path}")
    assert missing_columns(database) == []
    columns = {c.name for c in database.get_columns("collection_items")}
    assert {"instance_id", "folder_id", "rating", "date_added"} <= columns
    indexes = {tuple(i.columns): i.unique for i in database.get_indexes("collection_items")}
    assert indexes[("collection_id", "instance_id")] is True
    assert {"wants", "labels", "artists", "masters", "entity_releases", "search_results", "marketplace_stats",
            "price_suggestions"} <= set(database.get_tables())
    assert database.execute_sql("SELECT listing_id, price, instance_id FROM collection_items").fetchall() == [
        (5, 9.5, None)]
    database.close()
