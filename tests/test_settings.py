"""Project settings: dangerous Scrapy features off, and values from the environment or .env."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import default_settings
from scrapy.utils.test import get_crawler

from discogs_harvest import settings

ROOT = Path(__file__).resolve().parents[1]


def test_remote_code_execution_and_random_delays_are_off():
    assert settings.REMOTE_CONTROL_ENABLED is False and settings.TELNETCONSOLE_ENABLED is False
    for name in ("scrapy.extensions.remote_control.RemoteControl", "scrapy.extensions.telnet.TelnetConsole"):
        assert name not in settings.EXTENSIONS_BASE and settings.EXTENSIONS.get(name) is None
    # Every other base entry of Scrapy's is still there, at its place.
    assert {**settings.EXTENSIONS_BASE, **dict.fromkeys(settings.NEVER_LOADED & set(
        default_settings.EXTENSIONS_BASE), "left out")}.keys() == default_settings.EXTENSIONS_BASE.keys()
    assert settings.COOKIES_ENABLED is False
    assert "scrapy.downloadermiddlewares.cookies.CookiesMiddleware" not in settings.DOWNLOADER_MIDDLEWARES_BASE
    assert len(settings.DOWNLOADER_MIDDLEWARES_BASE) == len(default_settings.DOWNLOADER_MIDDLEWARES_BASE) - 1
    assert settings.RANDOMIZE_DOWNLOAD_DELAY is False and settings.DOWNLOAD_DELAY_JITTER == 0


def test_a_crawler_with_the_project_settings_builds_no_remote_control():
    from discogs_harvest.spiders.release import ReleaseSpider

    values = {name: getattr(settings, name) for name in dir(settings) if name.isupper()}
    crawler = get_crawler(ReleaseSpider, settings_dict=values)
    crawler._apply_settings()
    names = {type(extension).__name__ for extension in crawler.extensions.middlewares}
    assert "RemoteControl" not in names and "TelnetConsole" not in names
    assert {"RunLog", "Progress"} <= names


def test_a_crawl_never_imports_what_it_switched_off():
    """Scrapy imports every component these settings name, switched off or not: a crawler built
    from them (its extensions, downloader middlewares and download handlers, as the engine
    builds them) brings in neither the remote control nor aiohttp, tldextract or requests."""
    code = """if True:
        import sys
        from scrapy.core.downloader import Downloader
        from scrapy.crawler import Crawler
        from scrapy.utils.project import get_project_settings
        from scrapy.utils.reactor import install_reactor
        from discogs_harvest.spiders.release import ReleaseSpider
        install_reactor(get_project_settings()["TWISTED_REACTOR"])
        crawler = Crawler(ReleaseSpider, get_project_settings())
        crawler._apply_settings()
        downloader = Downloader(crawler)
        assert any(type(m).__name__ == "DiscogsRetryMiddleware" for m in downloader.middleware.middlewares)
        print(" ".join(sorted(name for name in sys.modules if name.split(".")[0] in
                              ("aiohttp", "tldextract", "requests") or name.endswith(("remote_control", "telnet")))))
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCRAPY_SETTINGS_MODULE": "discogs_harvest.settings",
           "DISCOGS_TOKEN": "t"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == []


def settings_seen_from(folder, environ):
    """The settings a process started in ``folder`` reads (so ``folder/.env`` applies)."""
    code = ("from discogs_harvest import settings as s; "
            "print(s.DISCOGS_API_URL, s.DATABASE_URL, s.STALENESS_MAX_AGE_DAYS, bool(s.DISCOGS_TOKEN), sep='|')")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCOGS_", "DATABASE_URL", "STALENESS_"))}
    env.update(environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", code], cwd=folder, env=env, capture_output=True, text=True,
                            check=True)
    return result.stdout.strip().split("|")


@pytest.mark.parametrize(
    ("dotenv", "environ", "expected"),
    [
        ("", {}, ["https://api.discogs.com", f"sqlite:///{ROOT}/data/discogs.db", "7.0", "False"]),
        ("DISCOGS_TOKEN=abc\nDATABASE_URL=sqlite:///x.db\nSTALENESS_MAX_AGE_DAYS=2\n", {},
         ["https://api.discogs.com", "sqlite:///x.db", "2.0", "True"]),
        ("DISCOGS_API_URL=http://127.0.0.1:9\n", {"DISCOGS_API_URL": "http://127.0.0.1:8"},
         ["http://127.0.0.1:8", f"sqlite:///{ROOT}/data/discogs.db", "7.0", "False"]),  # the environment wins
    ],
)
def test_environment_and_dotenv(tmp_path, dotenv, environ, expected):
    (tmp_path / ".env").write_text(dotenv)
    assert settings_seen_from(tmp_path, environ) == expected


def test_no_spider_callback_is_a_generator_returning_a_value():
    """WARN_ON_GENERATOR_RETURN_VALUE is off (settings.py: it re-parses a callback's source on
    every response), so the check it made at run time is made here, once, on every spider."""
    import inspect

    from scrapy.spiderloader import SpiderLoader
    from scrapy.settings import Settings
    from scrapy.utils.misc import is_generator_with_return_value

    assert settings.WARN_ON_GENERATOR_RETURN_VALUE is False
    loader = SpiderLoader.from_settings(Settings({"SPIDER_MODULES": settings.SPIDER_MODULES}))
    checked = []
    for name in loader.list():
        spidercls = loader.load(name)
        for attribute, member in inspect.getmembers(spidercls, inspect.isfunction):
            if inspect.isgeneratorfunction(member) and member.__module__.startswith("discogs_harvest"):
                checked.append(f"{name}.{attribute}")
                assert not is_generator_with_return_value(member), f"{name}.{attribute}"
    assert len(checked) >= 4  # the spiders' parse callbacks were found
