"""``scrapy site OUTPUT_DIR``: the collection as a Hugo-ready site (Markdown with YAML front matter).

- :mod:`.collect` reads the database into plain dicts: the albums in scope (a seller's
  listings, a collection, a style; minus the skip list) with everything their pages show.
- :mod:`.pages` turns those into pages: one per album, one per artist, and index pages by
  style, genre, year and label, each a path under ``content/`` and its front matter.
- :mod:`.render` renders each page through a Jinja2 template (the user's own folder first,
  ``SITE_TEMPLATES_DIR`` / ``--templates``, then the built-in ``templates/``) and writes only
  pages whose content changed (their SHA-256 is compared with the one recorded in the
  manifest, ``.discogs-harvest-site.json``), removing the pages a previous run wrote that
  are no longer in scope; artwork a page shows is copied to ``static/images/``.

``hugo/`` in the project is a minimal Hugo skeleton that builds this output into HTML.
"""
