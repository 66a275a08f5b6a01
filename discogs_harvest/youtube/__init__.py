"""YouTube, a foreign host: the oEmbed video health check (``youtube_health`` spider).

``health`` is the policy (what an answer means, when a video is gone), ``oembed`` builds
the request URLs. The budget for the host is :mod:`discogs_harvest.downloadermiddlewares.youtube`,
the writes :mod:`discogs_harvest.pipelines.videohealth`.
"""
