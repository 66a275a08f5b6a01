"""Discogs' monthly data dumps (CC0 XML): read them, import them, fetch them.

- :mod:`.release`: one ``<release>`` element as the dict ``GET /releases/{id}`` gives, so it
  reaches the tables through the one mapping (loaders, rows, storage);
- :mod:`.reader`: a dump file cut into its ``<release>`` elements, streamed, with byte offsets;
- :mod:`.selection`: which releases to import, decided from the raw element (nothing built);
- :mod:`.importer`: batches, resume checkpoints, progress (``scrapy import_dump``);
- :mod:`.entities`: a masters, artists or labels dump into the tables the API fills, each
  record shaped as the API's body and mapped by :mod:`discogs_harvest.records`;
- :mod:`.checksum`, :mod:`.fetch`: Discogs' CHECKSUM.txt and ``scrapy fetch_dump``.
"""
