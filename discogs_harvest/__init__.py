"""discogs-harvest: harvest Discogs seller inventories and releases into SQLite."""

__version__ = "0.1.0"
