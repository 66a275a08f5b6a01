"""Secrets a server echoes back are masked before they are logged or stored."""

import logging

import pytest

from discogs_harvest import scrub

SECRET = "tok-Q7vX2k/Lm9"


@pytest.fixture(autouse=True)
def remembered():
    scrub.forget_all()
    scrub.remember(SECRET, "", None, "abc")  # empty and too short values are ignored
    yield
    scrub.forget_all()


@pytest.mark.parametrize(("text", "expected"), [
    (f"Invalid consumer token {SECRET}.", "Invalid consumer token [secret]."),
    ("page=2&token=tok-Q7vX2k%2FLm9", "page=2&token=[secret]"),
    ("a cabbage", "a cabbage"),
    (None, None),
])
def test_scrub(text, expected):
    assert scrub.scrub(text) == expected


def test_credential_parameters_are_dropped_from_urls_we_follow():
    url = "https://api.discogs.com/users/x/inventory?page=2&token=tok-Q7vX2k%2FLm9&per_page=100&key=k&secret=s"
    assert scrub.drop_credentials(url) == "https://api.discogs.com/users/x/inventory?page=2&per_page=100"


def test_log_records_are_scrubbed_with_their_arguments_and_tracebacks(caplog):
    logger = logging.getLogger("tests.scrub")
    handler = logging.Handler()
    handler.addFilter(scrub.ScrubFilter())
    records = []
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        logger.error("refused: %s", f"token {SECRET}")
        try:
            raise ValueError(SECRET)
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    assert records[0].getMessage() == "refused: token [secret]"
    assert SECRET not in records[1].exc_text and "ValueError: [secret]" in records[1].exc_text
