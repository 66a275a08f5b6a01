"""The crawl command's verdict on a finished harvest, as a pure function of its stats."""

import pytest

from discogs_harvest.commands.crawl import incomplete_message


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, None),
        ({"harvest/releases/done": 320, "harvest/releases/failed": 0}, None),
        ({"harvest/releases/failed": 2}, "harvest incomplete: 2 releases failed every retry"),
        ({"harvest/pages/failed": 1}, "harvest incomplete: 1 inventory pages failed every retry"),
        ({"harvest/storage/items_failed": 3, "harvest/releases/failed": 1},
         "harvest incomplete: 1 releases failed every retry; 3 items could not be stored"),
    ],
)
def test_incomplete_message(values, expected):
    message = incomplete_message(values)
    if expected is None:
        assert message is None
    else:
        assert message.startswith(expected) and "\n" not in message


@pytest.mark.parametrize(
    ("values", "fragment"),
    [({"DISCOGS_RATE_LIMIT": "0"}, "DISCOGS_RATE_LIMIT must be > 0"),
     ({"DISCOGS_RATE_LIMIT": "-5"}, "DISCOGS_RATE_LIMIT must be > 0"),
     ({"DISCOGS_RATE_LIMIT": "many"}, "is not a number"),
     ({"DISCOGS_RATE_PERIOD": "0"}, "DISCOGS_RATE_PERIOD must be > 0")],
)
def test_rate_settings_that_would_switch_pacing_off_are_refused(values, fragment):
    from scrapy.settings import Settings

    from discogs_harvest.validation import check_settings
    from discogs_harvest.exceptions import HarvestConfigError

    with pytest.raises(HarvestConfigError, match=fragment):
        check_settings(Settings(values))


def test_default_and_valid_rate_settings_pass():
    from scrapy.settings import Settings

    from discogs_harvest.validation import check_settings

    check_settings(Settings({"DISCOGS_RATE_LIMIT": None, "DISCOGS_RATE_PERIOD": 60.0}))
    check_settings(Settings({"DISCOGS_RATE_LIMIT": "25", "DISCOGS_RATE_PERIOD": "0.5"}))


COMMAND = "scrapy crawl seller_inventory -a seller=x"


@pytest.mark.parametrize(("reason", "values", "status", "message"), [
    ("finished", {"harvest/releases/done": 3, "harvest/releases/to_fetch": 3}, 0, None),
    ("shutdown", {"harvest/pages/total": 8, "harvest/pages/done": 3, "harvest/releases/to_fetch": 0}, 6,
     f"harvest stopped before its end (shutdown): 5 of 8 inventory pages not fetched; resume with: {COMMAND}"),
    # Pages kept ahead of their listings are fetched: the resume replays them.
    ("shutdown", {"harvest/pages/total": 8, "harvest/pages/done": 1, "harvest/pages/ahead": 3}, 6,
     f"harvest stopped before its end (shutdown): 4 of 8 inventory pages not fetched; resume with: {COMMAND}"),
    ("closed_by_jsonrpc", {"harvest/pages/total": 2, "harvest/pages/done": 2, "harvest/releases/to_fetch": 300,
                           "harvest/releases/done": 100}, 6,
     f"harvest stopped before its end (closed_by_jsonrpc): 200 of 300 releases not fetched; resume with: {COMMAND}"),
    (None, {}, 6, f"harvest stopped before its end (killed): the rest of the harvest is not done; resume with: "
                  f"{COMMAND}"),
    ("api_unreachable", {"harvest/outage/message": "cannot reach api.discogs.com (Connection refused)"}, 6,
     "cannot reach api.discogs.com (Connection refused); the rest of the harvest is not done; run again once it "
     f"answers: {COMMAND}"),
    ("storage_failed", {"harvest/storage/fatal": "cannot write the database x: database or disk is full"}, 6,
     "cannot write the database x: database or disk is full; the rest of the harvest is not done; fix it, then "
     f"resume with: {COMMAND}"),
    ("finished", {"spider_exceptions/count": 2}, 5, "harvest incomplete: 2 answers could not be processed"),
    ("finished", {"feedexport/failed_count/FileFeedStorage": 1}, 5, "harvest incomplete: 1 feeds could not be"),
    ("finished", {"harvest/availability/unproven": 1}, 5, "harvest incomplete: 1 inventories were not proven"),
    ("seller_not_found", {}, 3, "Seller 'x' not found"),
])
def test_verdict(reason, values, status, message):
    from discogs_harvest.commands.crawl import verdict

    got_status, got_message = verdict(reason, values, "Seller 'x' not found", COMMAND)
    assert got_status == status
    if message is None:
        assert got_message is None
    else:
        assert got_message.startswith(message) and "\n" not in got_message


def test_resume_command_is_the_command_run_without_its_secrets():
    from discogs_harvest.commands.crawl import resume_command

    argv = ["/x/scrapy", "seller_inventory", "-a", "seller=Secret Spot", "-s", "DISCOGS_TOKEN=abc123",
            "-sDISCOGS_CONSUMER_SECRET=s3cret", "-s", "DATABASE_URL=sqlite:///x.db"]
    assert resume_command(argv) == ("scrapy crawl seller_inventory -a 'seller=Secret Spot' -s DISCOGS_TOKEN=... "
                                    "-sDISCOGS_CONSUMER_SECRET=... -s DATABASE_URL=sqlite:///x.db")
