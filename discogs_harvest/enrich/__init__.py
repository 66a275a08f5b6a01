"""Enrichment from foreign services: Apple Music, Spotify and Wikipedia.

Pure code the enrichment spiders (``spiders/apple_music.py``, ``spotify.py``, ``wikipedia.py``)
call: how a query is built and an answer read and validated for each service
(:mod:`.apple_music`, :mod:`.spotify`, :mod:`.wikipedia`), how sure a match is
(:mod:`.matching`), which releases and artists are still due (:mod:`.subjects`). Matches are
written by :class:`~discogs_harvest.pipelines.enrichment.EnrichmentPipeline` into
``enrichment_matches``.
"""
