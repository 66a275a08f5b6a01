"""Browsing a harvested database with Datasette (optional: ``requirements-browse.txt``).

``make browse`` (``python -m discogs_harvest.browse``) serves the database named by
``DATABASE_URL`` on 127.0.0.1 and prints its URL. :mod:`.metadata` gives Datasette the
labels, facets, descriptions, search table and canned queries; ``plugins/album_page.py``
adds an album page (``/-/album/<release id>``: label, tracks, videos and their health,
listings) and links the albums table to it; ``templates/`` holds that page's template.
Full-text search itself lives in the database (:mod:`discogs_harvest.fts`).
"""
