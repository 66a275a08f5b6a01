"""Project settings: dangerous Scrapy features off, and values from the environment or .env."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from discogs_harvest import settings

ROOT = Path(__file__).resolve().parents[1]


def test_remote_code_execution_and_random_delays_are_off():
    assert settings.REMOTE_CONTROL_ENABLED is False
    assert settings.EXTENSIONS["scrapy.extensions.remote_control.RemoteControl"] is None
    assert settings.TELNETCONSOLE_ENABLED is False
    assert settings.RANDOMIZE_DOWNLOAD_DELAY is False and settings.DOWNLOAD_DELAY_JITTER == 0


def test_a_crawler_with_the_project_settings_builds_no_remote_control():
    from discogs_harvest.spiders.release import ReleaseSpider

    values = {name: getattr(settings, name) for name in dir(settings) if name.isupper()}
    crawler = get_crawler(ReleaseSpider, settings_dict=values)
    crawler._apply_settings()
    names = {type(extension).__name__ for extension in crawler.extensions.middlewares}
    assert "RemoteControl" not in names and "TelnetConsole" not in names
    assert {"RunLog", "Progress"} <= names


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
