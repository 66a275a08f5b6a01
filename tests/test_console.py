"""console.quiet_console: Scrapy's INFO boilerplate demoted unless the user chose a LOG_LEVEL."""

import logging

import pytest
from scrapy.settings import Settings

from discogs_harvest.console import quiet_console


@pytest.mark.parametrize("overrides, priority, quiet", [
    ({}, "project", True),
    ({"LOG_LEVEL": "INFO"}, "cmdline", False),  # -L INFO or -s LOG_LEVEL=INFO
    ({"LOG_LEVEL": "DEBUG"}, "cmdline", False),
    ({"HARVEST_LOG_QUIET": False}, "project", False),  # LOG_LEVEL in the environment / .env
])
def test_quiet_unless_a_level_was_chosen(overrides, priority, quiet):
    settings = Settings({"LOG_LEVEL": "INFO", "HARVEST_LOG_QUIET": True}, priority="project")
    settings.setdict(overrides, priority=priority)
    assert quiet_console(settings, loggers=("tests.console.probe",)) is quiet


def test_info_becomes_debug_and_warnings_pass(caplog):
    settings = Settings({"LOG_LEVEL": "INFO", "HARVEST_LOG_QUIET": True}, priority="project")
    quiet_console(settings, loggers=("tests.console.probe",))
    probe = logging.getLogger("tests.console.probe")
    with caplog.at_level(logging.DEBUG):
        probe.info("Enabled extensions")
        probe.warning("a warning")
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("DEBUG", "Enabled extensions"), ("WARNING", "a warning")]
    quiet_console(Settings({"HARVEST_LOG_QUIET": False}), loggers=("tests.console.probe",))
    assert not probe.filters
