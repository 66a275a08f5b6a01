"""Secrets a server echoes back never reach a log line, an error message or the database.

We send the token only in the ``Authorization`` header, but a server may repeat it: in a 401
message ("Invalid consumer token ..."), or in pagination URLs (Discogs echoes a request's
``token=`` query parameter into ``pagination.urls``, API_FACTS.md §3). Whatever comes back is
text we log and store, so:

- :func:`remember` records the secrets of this process (the auth middleware calls it with
  ``DISCOGS_TOKEN`` and the consumer key/secret);
- :func:`scrub` replaces each of them (as sent, and URL-encoded) with ``[secret]``;
- :func:`drop_credentials` removes ``token``/``key``/``secret`` query parameters from a URL
  we are about to follow (we authenticate by header, never by URL);
- :class:`ScrubFilter`, installed on the root log handlers by :func:`install_log_filter`,
  scrubs every log record (message, arguments and traceback) before it is written.
"""

import logging
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

MASK = "[secret]"
CREDENTIAL_PARAMS = {"token", "key", "secret", "oauth_token", "oauth_signature", "oauth_consumer_key"}
# Shorter values would be masked inside ordinary words.
MIN_LENGTH = 6

_secrets = set()


def remember(*values):
    for value in values:
        if value and len(str(value)) >= MIN_LENGTH:
            _secrets.add(str(value))


def forget_all():
    _secrets.clear()


def scrub(text):
    """``text`` with every remembered secret masked (None and non-strings pass through)."""
    if not isinstance(text, str) or not _secrets:
        return text
    for secret in sorted(_secrets, key=len, reverse=True):
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            text = text.replace(form, MASK)
    return text


def drop_credentials(url):
    """``url`` without credential query parameters (None passes through)."""
    if not url:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in CREDENTIAL_PARAMS]
    return scrub(urlunsplit(parts._replace(query=urlencode(query))))


class ScrubFilter(logging.Filter):
    def filter(self, record):
        if not _secrets:
            return True
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


def install_log_filter():
    """Scrub every record that reaches the root logger's handlers (Scrapy's included)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, ScrubFilter) for f in handler.filters):
            handler.addFilter(ScrubFilter())
