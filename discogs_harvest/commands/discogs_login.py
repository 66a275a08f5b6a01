"""``scrapy discogs_login``: authorise discogs-harvest to act as you (OAuth 1.0a, out of band).

Reads ``DISCOGS_CONSUMER_KEY``/``DISCOGS_CONSUMER_SECRET`` (your application's, from
https://www.discogs.com/settings/developers), ``DISCOGS_API_URL``, ``DISCOGS_AUTHORIZE_URL``,
``DISCOGS_USER_AGENT`` and ``DISCOGS_OAUTH_SIGNATURE_METHOD``; prints the page to open, reads the
code Discogs shows there, and writes ``DISCOGS_OAUTH_TOKEN``/``DISCOGS_OAUTH_TOKEN_SECRET`` to
``.env`` (mode 600). The work is :mod:`discogs_harvest.login`; a failure is one ``error:`` line
and a non-zero exit.
"""

import sys

from scrapy.commands import ScrapyCommand

from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.login import Login, LoginError, run


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def short_desc(self):
        return "Authorise discogs-harvest to act as your Discogs user (writes the OAuth token to .env)"

    def run(self, args, opts):
        settings = self.settings
        login = Login(api_url=settings.get("DISCOGS_API_URL"), authorize_url=settings.get("DISCOGS_AUTHORIZE_URL"),
                      consumer_key=settings.get("DISCOGS_CONSUMER_KEY") or "",
                      consumer_secret=settings.get("DISCOGS_CONSUMER_SECRET") or "",
                      user_agent=settings.get("DISCOGS_USER_AGENT"),
                      signature_method=settings.get("DISCOGS_OAUTH_SIGNATURE_METHOD"))
        try:
            run(login, say=lambda line: print(line, flush=True))
        except HarvestConfigError as exc:
            self._fail(str(exc), 2)
        except LoginError as exc:
            self._fail(str(exc), exc.status)
        except (EOFError, KeyboardInterrupt):
            self._fail("login cancelled: nothing was written", 1)

    def _fail(self, message, status):
        print(f"error: {message}", file=sys.stderr)
        self.exitcode = status
