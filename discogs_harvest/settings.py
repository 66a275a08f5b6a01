"""Settings for discogs-harvest.

Every value can be overridden on the command line (``-s NAME=value``) and,
for the settings read through :func:`_env`, from the environment or a
``.env`` file: the one python-dotenv finds from the working directory upwards,
then the one next to ``scrapy.cfg`` (:mod:`discogs_harvest.project`; the
environment wins over ``.env``, the first file over the second). Groups follow the order data flows: API access, request
budget, storage, pipelines, control/progress, then Scrapy's own knobs.
"""

import os
import warnings

from dotenv import load_dotenv
from scrapy.settings import default_settings

from discogs_harvest import __version__, credentials
from discogs_harvest.project import default_database_url, default_images_store, dotenv_files

# .env holds DISCOGS_TOKEN on a user's machine; never committed (.gitignore). Found from the
# project, not the working directory, so a subfolder or a Scrapyd job reads the same one.
for _dotenv in dotenv_files():
    load_dotenv(_dotenv, override=False)


def _env(name, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def _env_float(name, default):
    """A number from the environment; a value that is not one is kept as given, so that the
    crawl command's one check of every setting (validation.py) reports it in one line."""
    value = _env(name, default)
    try:
        return float(value)
    except ValueError:
        return value


BOT_NAME = "discogs_harvest"
SPIDER_MODULES = ["discogs_harvest.spiders"]
NEWSPIDER_MODULE = "discogs_harvest.spiders"
# Our `crawl` reports bad input in one line and sets the exit status from the close reason.
COMMANDS_MODULE = "discogs_harvest.commands"

# --- Discogs API access -------------------------------------------------------
# Point at the local sandbox (python -m discogs_harvest.sandbox) for tests and demos.
DISCOGS_API_URL = _env("DISCOGS_API_URL", "https://api.discogs.com")
# A personal access token, or a consumer key + secret: either gives the 60/min tier
# and image URLs (API_FACTS.md §2). The token is sent in the Authorization header only,
# never in URLs, so it cannot leak into logs, feeds or the database.
# What the environment and .env lack of them comes from the system keyring (`scrapy discogs_login
# --keyring`, credentials.py), unless they hold a token or an OAuth token and secret already.
_secrets = credentials.configured(_env)
DISCOGS_TOKEN = _secrets["DISCOGS_TOKEN"]
DISCOGS_CONSUMER_KEY = _secrets["DISCOGS_CONSUMER_KEY"]
DISCOGS_CONSUMER_SECRET = _secrets["DISCOGS_CONSUMER_SECRET"]
# OAuth 1.0a (written to .env, or the keyring, by `scrapy discogs_login`): with the consumer
# key/secret they sign every request as the user who authorised them (downloadermiddlewares/auth.py, oauth.py).
DISCOGS_OAUTH_TOKEN = _secrets["DISCOGS_OAUTH_TOKEN"]
DISCOGS_OAUTH_TOKEN_SECRET = _secrets["DISCOGS_OAUTH_TOKEN_SECRET"]
del _secrets
# HMAC-SHA1 keeps the secrets off the wire; PLAINTEXT (Discogs' recommendation) only over https.
DISCOGS_OAUTH_SIGNATURE_METHOD = _env("DISCOGS_OAUTH_SIGNATURE_METHOD", "HMAC-SHA1")
# Where `scrapy discogs_login` sends the user to authorise (the web site, not the API).
DISCOGS_AUTHORIZE_URL = _env("DISCOGS_AUTHORIZE_URL", "https://www.discogs.com/oauth/authorize")
# Discogs requires an identifying User-Agent; generic ones are throttled or blocked (§2).
DISCOGS_USER_AGENT = _env(
    "DISCOGS_USER_AGENT",
    f"discogs-harvest/{__version__} +https://github.com/discogs-harvest/discogs-harvest",
)
# per_page is clamped to 100 by the API (§3): asking for the maximum halves the page count.
DISCOGS_PER_PAGE = 100
# lowest_price comes in the requester's currency; asking for one makes it known (§5).
DISCOGS_CURRENCY = _env("DISCOGS_CURRENCY", "USD")

# --- Request budget (downloadermiddlewares/budget.py, retry.py) -------------------
DISCOGS_BUDGET_ENABLED = True
# None means "what the credentials allow": 60 with a token or key/secret, 25 without (§1).
DISCOGS_RATE_LIMIT = _env("DISCOGS_RATE_LIMIT")
# Discogs counts requests over a moving 60 s window (§1). The sandbox and the
# benchmarks use a short window so a run takes seconds, not minutes.
DISCOGS_RATE_PERIOD = _env_float("DISCOGS_RATE_PERIOD", 60)
# Requests kept back from the window as a margin for clock skew and other clients.
DISCOGS_RATE_HEADROOM = 0
DISCOGS_RETRY_ENABLED = True
# 5xx, timeouts, truncated bodies and Cloudflare HTML 403s: bounded, capped backoff.
DISCOGS_RETRY_TIMES = 5
DISCOGS_RETRY_BACKOFF_BASE = 1.0
DISCOGS_RETRY_BACKOFF_MAX = 60.0
# Discogs almost never sends Retry-After (§1); when it does, trust it up to this cap.
DISCOGS_RETRY_AFTER_MAX = 300.0
# Consecutive 429s that open the circuit breaker (one probe request, then resume).
DISCOGS_BREAKER_THRESHOLD = 3
# Connection failures (no HTTP answer at all) in a row that pause every request while one
# probe goes every DISCOGS_OUTAGE_PROBE_INTERVAL seconds (downloadermiddlewares/outage.py);
# after DISCOGS_OUTAGE_MAX seconds without an answer the run stops, resumable, instead of
# spending every pending request's retries. A host that never answered stops it at once.
DISCOGS_CONNECT_FAILURES = 5
DISCOGS_OUTAGE_MAX = 300.0
DISCOGS_OUTAGE_PROBE_INTERVAL = 10.0
# Many processes or machines, one budget: a redis:// URL keeps the moving window in Redis,
# one window per credentials (hashed) and one per egress address (downloadermiddlewares/
# redis_window.py). Name the address each node's requests leave from (its public IP), so
# nodes behind one address share its window. Unset: each process keeps its own window.
DISCOGS_BUDGET_REDIS_URL = _env("DISCOGS_BUDGET_REDIS_URL", "")
DISCOGS_BUDGET_EGRESS = _env("DISCOGS_BUDGET_EGRESS", "default")

# --- Storage (database.py, pipelines/storage.py) ----------------------------------
# Parsed with playhouse.db_url: sqlite:///path or postgresql://user@host:port/name. The
# default is data/discogs.db in the project folder (absolute, whatever the working directory),
# or discogs.db in the user's data folder outside a project (a Scrapyd egg). A relative path
# given here is relative to the working directory, as in any URL.
DATABASE_URL = _env("DATABASE_URL") or default_database_url()
# Seconds `scrapy crawl` waits, before anything is fetched, for another process's write
# lock on that database before it gives up with one line. The harvest's own writes wait
# much longer (database.BUSY_TIMEOUT_MS), so two harvests share one file.
DATABASE_LOCK_TIMEOUT = _env_float("DATABASE_LOCK_TIMEOUT", 5)
# Harvests writing to one database claim each release before fetching it, so none is fetched
# twice (downloadermiddlewares/claims.py). None: on for PostgreSQL, where harvests on several
# machines meet. A claim expires after RELEASE_CLAIM_TTL seconds (a harvest that died frees
# its claims so); a release another harvest holds is looked at again, at most RELEASE_CLAIM_POLL s apart.
RELEASE_CLAIMS_ENABLED = None
RELEASE_CLAIM_TTL = 600.0
RELEASE_CLAIM_POLL = 1.0
# Rows per INSERT ... ON CONFLICT statement and per transaction.
STORAGE_BATCH_SIZE = 200
# Seconds between writes of a part-filled batch, so a crash loses at most this much work.
STORAGE_FLUSH_INTERVAL = 5.0
# A crawl writes its batches from a thread of its own, in order, while the reactor goes on;
# 0 writes them on the reactor's thread. SQLite only for now (pipelines/storage.py says why).
STORAGE_WRITE_THREAD = True
# ... and that thread hands each batch to a writer process (pipelines/writerprocess.py), which
# maps, compresses and writes it on another core; 0 writes them on the thread itself.
STORAGE_WRITE_PROCESS = True

# A killed or interrupted harvest leaves its inventory pages in the database; the next run of
# the same seller replays them instead of fetching them again, if they are this recent.
INVENTORY_RESUME_MAX_AGE_HOURS = _env_float("INVENTORY_RESUME_MAX_AGE_HOURS", 24)
# Availability is decided only from pages that prove the whole inventory (completeness.py):
# all fetched within this many minutes of the first (pages are live queries; the longer
# paging takes, the more listings shift across page boundaries; 100 pages take ~2 min at
# 60/min), and the listings seen short of pagination.items by at most this fraction (at
# least 2 listings: items is a live count that can overstate the pages, API_FACTS.md §3).
INVENTORY_MAX_SPAN_MINUTES = 60.0
INVENTORY_COUNT_SLACK = 0.01

# The owner's inventory export (seller_inventory -a via=export): seconds between polls of the
# export job (each poll is a request within the budget), and how long to wait for it before
# falling back to paging.
DISCOGS_EXPORT_POLL_INTERVAL = float(_env("DISCOGS_EXPORT_POLL_INTERVAL", 10))
DISCOGS_EXPORT_TIMEOUT = float(_env("DISCOGS_EXPORT_TIMEOUT", 600))

# --- Pipelines --------------------------------------------------------------------
# A stored release younger than this is not fetched again; only listing-level
# figures (price, condition, have/want, availability) are refreshed.
STALENESS_MAX_AGE_DAYS = _env_float("STALENESS_MAX_AGE_DAYS", 7)
# A release imported from a monthly data dump (scrapy import_dump) counts as known metadata
# (genres, styles, formats: a filter is decided without a request) while the dump is younger
# than this: a month's dump and two weeks' grace. See discogs_harvest/dump/freshness.py.
STALENESS_DUMP_MAX_AGE_DAYS = _env_float("STALENESS_DUMP_MAX_AGE_DAYS", 45)
# scrapy import_dump: releases per transaction (and per resume checkpoint), seconds between
# progress lines. 5,000: at 1,000 a commit and what it wrote to the WAL (and checkpointed)
# cost the importing process about 10 us a release more (generated dump); a resumed import
# repeats at most one batch, about a second of importing.
DUMP_IMPORT_BATCH_SIZE = 5000
# Releases a helper process prepares at a time: a batch is split in parts this size, so a
# helper's memory holds one part whatever the batch size.
DUMP_IMPORT_PREPARE_SIZE = 1000
DUMP_IMPORT_PROGRESS_INTERVAL = 2.0
# Helper processes that parse, load and prepare batches while the import writes the previous
# ones (0: all in the importing process). Two: preparing a release costs about twice what
# writing it does, so on two cores both helpers run while the importing process writes.
DUMP_IMPORT_WORKERS = 2
# scrapy fetch_dump: Discogs' public bucket, and the index page that names each month's files
# (anonymous listing of the bucket is denied: API_FACTS.md §6).
DUMP_BASE_URL = _env("DUMP_BASE_URL") or "https://discogs-data-dumps.s3.us-west-2.amazonaws.com/data"
DUMP_INDEX_URL = _env("DUMP_INDEX_URL") or "https://data.discogs.com/?prefix=data/{year}/"

# Order matters: drop duplicates before any work is done on them, decide freshness
# before normalising what will be written, normalise genre/style spellings before
# storage links them, and write last so that every earlier drop is respected.
# Scrapy's own manager, each synchronous pipeline step called without a coroutine made for it
# (pipelines/processor.py): the same items, drops and order.
ITEM_PROCESSOR = "discogs_harvest.pipelines.processor.LeanItemProcessor"
ITEM_PIPELINES = {
    "discogs_harvest.pipelines.dedup.DedupPipeline": 100,
    "discogs_harvest.pipelines.staleness.StalenessPipeline": 200,
    "discogs_harvest.pipelines.normalise.NormalisePipeline": 300,
    "discogs_harvest.pipelines.storage.StoragePipeline": 400,
    # Video checks touch only youtube_videos' health columns: any order after the drops works.
    "discogs_harvest.pipelines.videohealth.VideoHealthPipeline": 500,
    # Enrichment matches (apple_music, spotify, wikipedia): only their own items.
    "discogs_harvest.pipelines.enrichment.EnrichmentPipeline": 600,
    # -s DOWNLOAD_IMAGES=1: after storage, so a dropped release brings no download.
    "discogs_harvest.pipelines.artwork.ArtworkPipeline": 700,
}

# --- YouTube video health (spiders/youtube_health.py, downloadermiddlewares/youtube.py) ---------
# oEmbed needs no API key (YOUTUBE_OEMBED_FACTS.md); tests point this at the sandbox stand-in.
YOUTUBE_OEMBED_URL = _env("YOUTUBE_OEMBED_URL", "https://www.youtube.com/oembed")
# Its own budget, from the same policy as Discogs'. YouTube documents no quota for oEmbed, so
# stay well below anything that could look like abuse: one request every 2 s.
YOUTUBE_BUDGET_ENABLED = True
YOUTUBE_RATE_LIMIT = _env("YOUTUBE_RATE_LIMIT", 30)
YOUTUBE_RATE_PERIOD = _env("YOUTUBE_RATE_PERIOD", 60)
YOUTUBE_BREAKER_THRESHOLD = 3
YOUTUBE_RETRY_AFTER_MAX = 300.0
# Re-sends of a transient answer (429, 5xx, a 200 that is not oEmbed) within one run.
YOUTUBE_RETRY_TIMES = 2
# youtube_health's default older_than: videos checked more recently are not asked about again.
YOUTUBE_HEALTH_MAX_AGE_DAYS = _env("YOUTUBE_HEALTH_MAX_AGE_DAYS", 7)
# A video is gone only after failing checks at least this far apart (a blip is not a deletion).
YOUTUBE_HEALTH_CONFIRM_HOURS = 24

# --- Enrichment (spiders apple_music, spotify, wikipedia; discogs_harvest/enrich/) ------------
# Each service: its base URL (tests point it at python -m discogs_harvest.sandbox.foreign), its
# credentials from .env, and its own budget from the same policy as Discogs'
# (downloadermiddlewares/foreign.py). A match below ENRICH_MIN_CONFIDENCE is stored flagged.
ENRICH_MIN_CONFIDENCE = _env_float("ENRICH_MIN_CONFIDENCE", 0.8)
APPLE_MUSIC_API_URL = _env("APPLE_MUSIC_API_URL", "https://api.music.apple.com")
APPLE_MUSIC_STOREFRONT = _env("APPLE_MUSIC_STOREFRONT", "us")
# The MusicKit private key (.p8), its key id and the developer team id: the developer token.
APPLE_MUSIC_KEY_FILE = _env("APPLE_MUSIC_KEY_FILE", "")
APPLE_MUSIC_KEY_ID = _env("APPLE_MUSIC_KEY_ID", "")
APPLE_MUSIC_TEAM_ID = _env("APPLE_MUSIC_TEAM_ID", "")
# Apple documents no figure; its developer forums report 20 requests/s per token as the
# ceiling: stay far below it.
APPLE_MUSIC_BUDGET_ENABLED = True
APPLE_MUSIC_RATE_LIMIT = _env("APPLE_MUSIC_RATE_LIMIT", 60)
APPLE_MUSIC_RATE_PERIOD = _env("APPLE_MUSIC_RATE_PERIOD", 60)
APPLE_MUSIC_BREAKER_THRESHOLD = 3
APPLE_MUSIC_RETRY_AFTER_MAX = 300.0
SPOTIFY_API_URL = _env("SPOTIFY_API_URL", "https://api.spotify.com")
SPOTIFY_ACCOUNTS_URL = _env("SPOTIFY_ACCOUNTS_URL", "https://accounts.spotify.com")
SPOTIFY_CLIENT_ID = _env("SPOTIFY_CLIENT_ID", "")
SPOTIFY_CLIENT_SECRET = _env("SPOTIFY_CLIENT_SECRET", "")
# Spotify's limit is a rolling 30 s window it does not publish; 429s carry Retry-After.
SPOTIFY_BUDGET_ENABLED = True
SPOTIFY_RATE_LIMIT = _env("SPOTIFY_RATE_LIMIT", 60)
SPOTIFY_RATE_PERIOD = _env("SPOTIFY_RATE_PERIOD", 60)
SPOTIFY_BREAKER_THRESHOLD = 3
SPOTIFY_RETRY_AFTER_MAX = 300.0
WIKIPEDIA_API_URL = _env("WIKIPEDIA_API_URL", "https://en.wikipedia.org")
# Wikimedia asks API clients to keep to a modest, serial rate (its "API:Etiquette").
WIKIPEDIA_BUDGET_ENABLED = True
WIKIPEDIA_RATE_LIMIT = _env("WIKIPEDIA_RATE_LIMIT", 60)
WIKIPEDIA_RATE_PERIOD = _env("WIKIPEDIA_RATE_PERIOD", 60)
WIKIPEDIA_BREAKER_THRESHOLD = 3
WIKIPEDIA_RETRY_AFTER_MAX = 300.0

# --- Artwork (pipelines/artwork.py: Scrapy's ImagesPipeline, opt-in) -------------------------
DOWNLOAD_IMAGES = _env("DOWNLOAD_IMAGES", False)
# data/images in the project (absolute, whatever the working directory), as the database.
IMAGES_STORE = _env("IMAGES_STORE") or default_images_store()
IMAGES_THUMBS = {"small": (300, 300)}
# A stored picture is never fetched again (Scrapy re-fetches files older than this many days).
IMAGES_EXPIRES = 36_500
# i.discogs.com images are fetched from here instead when set (tests: the sandbox).
DISCOGS_IMAGE_URL = _env("DISCOGS_IMAGE_URL", "")

# --- The site (scrapy site OUTPUT_DIR; discogs_harvest/site/) --------------------------------
# A folder whose templates (album.md.j2, artist.md.j2, index.md.j2) replace the built-in ones.
SITE_TEMPLATES_DIR = _env("SITE_TEMPLATES_DIR", "")

SPIDER_MIDDLEWARES = {
    # -a check_videos=1: after each fetched release, its videos' oEmbed checks.
    "discogs_harvest.spidermiddlewares.videochecks.VideoCheckMiddleware": 600,
    # -a market=1 on release/seller_inventory: each release's marketplace figures (the list
    # spiders request theirs themselves).
    "discogs_harvest.spidermiddlewares.market.MarketFiguresMiddleware": 610,
    # -a feed=tracks (or a TrackItem FEEDS entry): after each release, its tracks as records.
    # Independent of the video checks: any order works.
    "discogs_harvest.spidermiddlewares.trackfeed.TrackFeedMiddleware": 650,
}

# --- Control and progress (extensions/) ---------------------------------------------
JSONRPC_ENABLED = False
JSONRPC_HOST = "127.0.0.1"
# A port, a [low, high] range as scrapy-jsonrpc takes, or 0 for any free port (logged).
JSONRPC_PORT = [6080, 7030]
JSONRPC_LOGFILE = None
# Shared secret expected in the X-JSONRPC-Token header; required to bind beyond loopback.
JSONRPC_TOKEN = _env("JSONRPC_TOKEN", "")
# Seconds a request's body may take to arrive: a half-sent request is answered 408 and closed.
JSONRPC_READ_TIMEOUT = 10.0
PROGRESS_ENABLED = True
PROGRESS_INTERVAL = 30.0

# RemoteControl (new in Scrapy 2.19) runs arbitrary Python sent over HTTP; a harvester holding a
# user's token has no use for it. The telnet console is the same risk with an older face. Both are
# left out of Scrapy's base list rather than set to None in EXTENSIONS: Scrapy imports the module of
# every class these dictionaries name, None included (scrapy/settings/__init__.py,
# get_component_priority_dict_with_base, 2.19), and remote_control.py imports aiohttp, about a
# tenth of a second of every command's start-up. REMOTE_CONTROL_ENABLED and
# TELNETCONSOLE_ENABLED are off too, should a spider's or the command line's lists name them again.
NEVER_LOADED = {
    "scrapy.extensions.remote_control.RemoteControl",
    "scrapy.extensions.telnet.TelnetConsole",
    # COOKIES_ENABLED is off (below); its module imports tldextract and requests (0.05 s).
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
}
EXTENSIONS_BASE = {k: v for k, v in default_settings.EXTENSIONS_BASE.items() if k not in NEVER_LOADED}
DOWNLOADER_MIDDLEWARES_BASE = {
    k: v for k, v in default_settings.DOWNLOADER_MIDDLEWARES_BASE.items() if k not in NEVER_LOADED
}

EXTENSIONS = {
    # AutoThrottle without the delays too short to spare a server (AUTOTHROTTLE_DEADBAND, below).
    "scrapy.extensions.throttle.AutoThrottle": None,
    "discogs_harvest.extensions.throttle.HarvestAutoThrottle": 0,
    "discogs_harvest.extensions.runlog.RunLog": 100,
    "discogs_harvest.extensions.progress.Progress": 200,
    "discogs_harvest.extensions.jsonrpc.JsonRpcService": 300,
    # Garbage collection tuned while the engine runs (extensions/collector.py): no order needed.
    "discogs_harvest.extensions.collector.CollectorTuning": 400,
}

DOWNLOADER_MIDDLEWARES = {
    # Our retry middleware handles 429/Retry-After/5xx/HTML 403 with backoff; Scrapy's
    # re-queues 429s at full speed and ignores Retry-After.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "discogs_harvest.downloadermiddlewares.auth.DiscogsAuthMiddleware": 450,
    # Before the budget: a release another harvest is fetching costs no request here.
    "discogs_harvest.downloadermiddlewares.claims.ReleaseClaimMiddleware": 500,
    "discogs_harvest.downloadermiddlewares.retry.DiscogsRetryMiddleware": 550,
    # Between retry and budget: sees connection failures before a retry is spent on them,
    # and requests waiting out an outage hold no budget slot.
    "discogs_harvest.downloadermiddlewares.outage.ConnectionBreakerMiddleware": 900,
    # Closest to the downloader so the budget counts every request actually sent,
    # retries included, and sees every response's rate-limit headers first.
    "discogs_harvest.downloadermiddlewares.budget.RequestBudgetMiddleware": 950,
    # The same budget for YouTube's oEmbed host (only requests under YOUTUBE_OEMBED_URL).
    "discogs_harvest.downloadermiddlewares.youtube.YoutubeBudgetMiddleware": 940,
    # One more instance per enrichment service, each pacing only its own base URL.
    "discogs_harvest.downloadermiddlewares.foreign.AppleMusicBudgetMiddleware": 930,
    "discogs_harvest.downloadermiddlewares.foreign.SpotifyBudgetMiddleware": 931,
    "discogs_harvest.downloadermiddlewares.foreign.WikipediaBudgetMiddleware": 932,
}

# Twisted re-sends a GET by itself when a kept-alive connection drops; Discogs counts that
# request but no middleware sees it, so the budget undercounts. Off: the retry middleware
# retries through the budget instead (downloadermiddlewares/handlers.py).
DOWNLOAD_HANDLERS = {
    "http": "discogs_harvest.downloadermiddlewares.handlers.DiscogsHTTPDownloadHandler",
    "https": "discogs_harvest.downloadermiddlewares.handlers.DiscogsHTTPDownloadHandler",
}

# `scrapy check`: @api builds a callback's sample URL on DISCOGS_API_URL (contracts.py).
SPIDER_CONTRACTS = {"discogs_harvest.contracts.ApiContract": 10}

# --- Scrapy ---------------------------------------------------------------------
# Discogs has no robots.txt for the API; fetching it would spend budget.
ROBOTSTXT_OBEY = False
REMOTE_CONTROL_ENABLED = False  # see NEVER_LOADED: arbitrary code execution over HTTP
TELNETCONSOLE_ENABLED = False
# Random delays (0.5x-1.5x) can overshoot the budget window; the budget middleware
# paces exactly instead. Scrapy 2.19 renamed the switch to DOWNLOAD_DELAY_JITTER (a
# magnitude, 0 = none) and warns on every crawl when the old name is set; both are set
# here, and only that warning is silenced.
RANDOMIZE_DOWNLOAD_DELAY = False
DOWNLOAD_DELAY_JITTER = 0
warnings.filterwarnings("ignore", message="The RANDOMIZE_DOWNLOAD_DELAY setting is deprecated")
DOWNLOAD_DELAY = 0
# AutoThrottle adapts to latency; the budget middleware caps the rate on top of it,
# so AutoThrottle can slow us down but never push us past the budget. Ours (EXTENSIONS,
# extensions/throttle.py) applies no delay under AUTOTHROTTLE_DEADBAND seconds: the latency it
# reads includes the reactor's own work, and a fast server's few milliseconds spaced a busy
# crawl's requests for nothing (17 % of a seller harvest's time with the budget lifted). 50 ms
# is a latency of 200 ms at the target concurrency of 4: a server that slow is spaced as before.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.0
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
AUTOTHROTTLE_DEADBAND = 0.05
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 8
# Scrapy's default, 100, starts that many tasks for every response's output, most of them
# waiting on one another (a page's listings, a release's tracks); 8 keeps a few items moving
# through the pipelines and cut the release spider's CPU time by about 13 % (issue 12).
CONCURRENT_ITEMS = 8
DOWNLOAD_TIMEOUT = 30
# Discogs sets a Cloudflare cookie we have no use for (CookiesMiddleware: see NEVER_LOADED).
COOKIES_ENABLED = False
# No Referer header: an API takes none, and it told Discogs, YouTube, Apple Music, Spotify and
# Wikipedia which URL the crawl had fetched before. Scrapy's RefererMiddleware also walked every
# callback's output and answered a signal for every request scheduled: off, a seller harvest of
# 5,000 listings took 2.7 % less time (with METAREFRESH_ENABLED off; medians of five, issue 12).
REFERER_ENABLED = False
# A JSON API answers without <meta http-equiv="refresh">: an HTML answer is an error page (a
# challenge, maintenance) that the retry middleware backs off from, where MetaRefreshMiddleware,
# which sees answers before it, would follow the refresh at once and spend a request.
METAREFRESH_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
# Scrapy's check for generator callbacks that return a value re-reads and re-parses the
# callback's source on every response (scrapy/utils/misc.py is_generator_with_return_value
# caches by the bound method, a new object per request): a development aid, paid per page
# and per release. Our callbacks return nothing; tests/test_settings.py keeps them that way.
WARN_ON_GENERATOR_RETURN_VALUE = False
# CSV feeds write list columns (genres, styles, tracks, videos) as JSON arrays, not reprs.
FEED_EXPORTERS = {"csv": "discogs_harvest.exporters.CsvItemExporter"}
LOG_LEVEL = _env("LOG_LEVEL", "INFO")
# Scrapy's "Crawled ..." and "Scraped from ..." DEBUG lines are built for every response and
# item, then dropped by a handler at INFO: ours builds them only when a handler takes DEBUG
# (logformatter.py; about 2 % of the release spider's CPU, issue 12).
LOG_FORMATTER = "discogs_harvest.logformatter.HarvestLogFormatter"
# Scrapy's in-memory stats without the wrapper Scrapy 2.19 puts around every call (statscollectors.py).
STATS_CLASS = "discogs_harvest.statscollectors.HarvestStatsCollector"
# Leave Scrapy's own start-up and stats lines out of the console (console.py) unless the
# user chose a LOG_LEVEL (-L, -s LOG_LEVEL=..., or LOG_LEVEL in the environment / .env).
HARVEST_LOG_QUIET = _env("LOG_LEVEL") is None
# What start-up built frozen and the youngest generation this large while the engine runs
# (extensions/collector.py): the collector cost about 3 ms of CPU per inventory page.
HARVEST_GC_ENABLED = True
HARVEST_GC_THRESHOLD = 50_000
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
