"""The crawl command's preload of Scrapy's download handlers (discogs_harvest/commands/preload.py)."""

import inspect
import json
import subprocess
import sys

from scrapy.utils import deprecate

from discogs_harvest.commands.preload import cheap_class_naming

# Run in a new interpreter: the TLS modules must not be imported yet.
REPORT = """
import inspect, json, os, sys
os.environ["SCRAPY_SETTINGS_MODULE"] = "discogs_harvest.settings"
from scrapy.utils.project import get_project_settings
if sys.argv[1] == "preload":
    from discogs_harvest.commands.preload import preload_handlers
    preload_handlers(get_project_settings())
else:
    import scrapy.core.downloader.handlers.http11
from scrapy.core.downloader import contextfactory, tls
from scrapy.utils import deprecate
classes = [tls.ScrapyClientTLSOptions, contextfactory.ScrapyClientContextFactory,
           contextfactory.AcceptableProtocolsContextFactory]
print(json.dumps({"modules": [cls.__module__ for cls in classes], "names": [cls.__name__ for cls in classes],
                  "inspect_restored": deprecate.inspect is inspect}))
"""


def report(how):
    result = subprocess.run([sys.executable, "-c", REPORT, how], capture_output=True, text=True, timeout=60,
                            check=True)
    return json.loads(result.stdout)


def test_preloaded_handlers_name_scrapys_deprecated_classes_as_a_plain_import_does():
    preloaded, plain = report("preload"), report("plain")
    assert preloaded == plain
    assert preloaded["modules"] == ["scrapy.core.downloader.tls", "scrapy.core.downloader.contextfactory",
                                    "scrapy.core.downloader.contextfactory"]
    assert preloaded["inspect_restored"]


def test_a_deprecated_class_made_in_the_block_is_named_after_its_module():
    with cheap_class_naming():
        assert deprecate.inspect is not inspect
        made = deprecate.create_deprecated_class("OldName", dict)
    assert deprecate.inspect is inspect
    assert made.__module__ == __name__


def test_a_scrapy_that_names_them_otherwise_is_left_alone(monkeypatch):
    elsewhere = object()
    monkeypatch.setattr(deprecate, "inspect", elsewhere)
    with cheap_class_naming():
        assert deprecate.inspect is elsewhere
    assert deprecate.inspect is elsewhere
