"""``scrapy discogs_login [--keyring] [--token]``: authorise discogs-harvest to act as you (OAuth 1.0a,
out of band), or keep your personal access token.

Reads ``DISCOGS_CONSUMER_KEY``/``DISCOGS_CONSUMER_SECRET`` (your application's, from
https://www.discogs.com/settings/developers), ``DISCOGS_API_URL``, ``DISCOGS_AUTHORIZE_URL``,
``DISCOGS_USER_AGENT`` and ``DISCOGS_OAUTH_SIGNATURE_METHOD``; prints the page to open, reads the
code Discogs shows there, and writes ``DISCOGS_OAUTH_TOKEN``/``DISCOGS_OAUTH_TOKEN_SECRET`` to
``.env`` (mode 600), or with ``--keyring`` to the system keyring (:mod:`discogs_harvest.credentials`),
where the settings find them. ``--token`` skips OAuth: it reads a personal access token from the
terminal (not echoed) or stdin and keeps it as ``DISCOGS_TOKEN``. The work is
:mod:`discogs_harvest.login`; a failure is one ``error:`` line and a non-zero exit.
"""

import getpass
import sys

from scrapy.commands import ScrapyCommand

from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.login import Login, LoginError, described, run, save


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def short_desc(self):
        return "Authorise discogs-harvest to act as your Discogs user (writes the OAuth token to .env or the keyring)"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--keyring", action="store_true",
                            help="keep the secrets in the system keyring instead of .env")
        parser.add_argument("--token", action="store_true",
                            help="keep a personal access token (read from the terminal or stdin) instead of OAuth")

    def run(self, args, opts):
        settings = self.settings
        login = Login(api_url=settings.get("DISCOGS_API_URL"), authorize_url=settings.get("DISCOGS_AUTHORIZE_URL"),
                      consumer_key=settings.get("DISCOGS_CONSUMER_KEY") or "",
                      consumer_secret=settings.get("DISCOGS_CONSUMER_SECRET") or "",
                      user_agent=settings.get("DISCOGS_USER_AGENT"),
                      signature_method=settings.get("DISCOGS_OAUTH_SIGNATURE_METHOD"))
        say = lambda line: print(line, flush=True)  # noqa: E731
        try:
            if opts.token:
                self.keep_token(opts.keyring, say)
            else:
                run(login, say=say, keyring=opts.keyring)
        except HarvestConfigError as exc:
            self._fail(str(exc), 2)
        except LoginError as exc:
            self._fail(str(exc), exc.status)
        except (EOFError, KeyboardInterrupt):
            self._fail("login cancelled: nothing was written", 1)

    @staticmethod
    def keep_token(keyring, say):
        prompt = "Personal access token (https://www.discogs.com/settings/developers): "
        token = (getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline()).strip()
        if not token:
            raise LoginError("no token given: nothing was written", 2)
        where = save({"DISCOGS_TOKEN": token}, keyring=keyring, say=say)
        say(f"DISCOGS_TOKEN saved to {described(where)}.")

    def _fail(self, message, status):
        print(f"error: {message}", file=sys.stderr)
        self.exitcode = status
