"""Run the project's ``scrapy crawl`` in this process: :func:`crawl` without the ~1 s start-up.

``crawl_in_process(spider, sandbox, database, *args, ...)`` takes the same arguments as
:func:`tests.integration.crawling.crawl` and returns the same :class:`CrawlResult`
(``returncode``, ``stdout``, ``stderr``, ``error_lines``), so a test switches by its import::

    from tests.integration.inprocess import crawl_in_process as crawl

What stays the same as the subprocess: the command line is the one :func:`crawl_command`
builds, parsed by the project's ``crawl`` command (``-a``, ``-s``, ``-O`` as Scrapy parses
them); the settings module is evaluated afresh under the environment the subprocess would
get (``DISCOGS_TOKEN`` and the ``env`` argument in, the caller's ``DISCOGS_*`` out), and that
environment stays in place for the whole crawl; the command's checks
(:meth:`Command.check`) run first, and its :func:`verdict` gives the exit status and the
``error:`` line; every log record at ``LOG_LEVEL`` is formatted with Scrapy's
``LOG_FORMAT`` into ``stderr``; the database is closed at the end as the process exit
would close it.

What differs, and so stays with the subprocess helper: signals and kills (there is no
process to signal), the quiet default console (``log_level=None``; the console's filters
are set on Scrapy's loggers for the rest of the process), anything printed to the real
stdout/stderr outside logging, and a crash of the interpreter itself. Use
:func:`tests.integration.crawling.crawl` for those.

The reactor: the project's ``TWISTED_REACTOR`` (the asyncio one) is installed in this
process on the first call and marked running once (``reactor.startRunning``, what
``reactor.run`` does before it runs the loop); each crawl then runs its
:class:`~scrapy.crawler.AsyncCrawlerRunner` task with ``loop.run_until_complete``, so a
test stays a plain synchronous function, as the rest of this suite is. Scrapy's own
suite runs crawlers in the test process's reactor too (pytest-twisted with
``--reactor=asyncio``, ``tests/utils/crawl.py`` of scrapy/scrapy); this module does the
same without the plugin, because only the crawls here need a reactor. Scrapy's
"run from a script" docs (``topics/practices.rst``, ``AsyncCrawlerRunner``) describe the
runner used.
"""

import argparse
import asyncio
import contextlib
import importlib.util
import io
import logging
import os
import sys
import traceback

from scrapy.crawler import AsyncCrawlerRunner
from scrapy.settings import Settings

from tests.integration.crawling import TOKEN, CrawlResult, crawl_command

_loop = None


def _reactor_loop():
    """The asyncio loop of the installed (and started) asyncio reactor: installed on first use."""
    global _loop
    if _loop is None:
        from scrapy.utils.reactor import install_reactor
        from twisted.python import log as twisted_log

        from discogs_harvest import settings as project_settings

        install_reactor(project_settings.TWISTED_REACTOR)
        from twisted.internet import reactor

        # Twisted's records (an unhandled error in a Deferred) go through logging, as Scrapy's
        # configure_logging routes them in a crawl process; the levels it sets are applied only
        # while a crawl runs (_captured_log), so the rest of the suite logs as before.
        twisted_log.PythonLoggingObserver("twisted").start()
        reactor.startRunning(installSignalHandlers=False)  # reactor.run() without run_forever()
        _loop = reactor._asyncioEventloop
    return _loop


@contextlib.contextmanager
def _environment(environ):
    """``os.environ`` replaced by ``environ`` (what the subprocess would have) for the block."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _project_settings():
    """The project settings module evaluated now, under the current environment (and ``.env``),
    as a new ``scrapy crawl`` process would; the imported module keeps its own values."""
    spec = importlib.util.find_spec("discogs_harvest.settings")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    settings = Settings()
    settings.setmodule(module, priority="project")
    return settings


@contextlib.contextmanager
def _captured_log(settings, buffer):
    """Every record at ``LOG_LEVEL`` written to ``buffer`` as Scrapy's console handler writes it."""
    from scrapy.utils.log import TopLevelFormatter

    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter(settings.get("LOG_FORMAT"), settings.get("LOG_DATEFORMAT")))
    handler.setLevel(settings.get("LOG_LEVEL"))
    if settings.getbool("LOG_SHORT_NAMES"):
        handler.addFilter(TopLevelFormatter(["scrapy"]))
    # Levels as in a crawl process: Scrapy's DEFAULT_LOGGING (scrapy DEBUG, twisted ERROR) and
    # install_scrapy_root_handler (root NOTSET); the handler's level does the filtering.
    levels = {"": logging.NOTSET, "scrapy": logging.DEBUG, "twisted": logging.ERROR}
    saved = {name: logging.getLogger(name).level for name in levels}
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    logging.getLogger().addHandler(handler)
    try:
        yield
    finally:
        logging.getLogger().removeHandler(handler)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def crawl_in_process(spider, sandbox, database, *args, token=TOKEN, settings=None, feed=None, timeout=180,
                     env=None, log_level="INFO"):
    """:func:`tests.integration.crawling.crawl`, in this process (see the module docstring).
    ``timeout`` is accepted for the same signature; the test's ``pytest.mark.timeout`` bounds it."""
    if log_level is None:
        raise ValueError("the quiet default console (log_level=None) needs the subprocess: use crawling.crawl")
    command, environ = crawl_command(spider, sandbox, database, *args, token=token, settings=settings, feed=feed,
                                     env=env, log_level=log_level)
    argv = command[command.index("crawl") + 1:]  # [spider, "-a", ..., "-s", ...]
    loop = _reactor_loop()
    stdout, stderr = io.StringIO(), io.StringIO()
    with _environment(environ), _captured_log(Settings({"LOG_LEVEL": log_level}), stderr), \
            contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), _argv(["scrapy", *argv]):
        returncode = _run(argv, loop)
    return CrawlResult(returncode, stdout.getvalue(), stderr.getvalue())


@contextlib.contextmanager
def _argv(argv):
    """``sys.argv`` as Scrapy's cmdline leaves it (the command name removed): the crawl command
    builds its "resume with:" line from it."""
    saved = sys.argv
    sys.argv = argv
    try:
        yield
    finally:
        sys.argv = saved


class _RunningReactorProcess(AsyncCrawlerRunner):
    """The ``crawler_process`` the crawl command drives (``crawl()``, ``start()``,
    ``bootstrap_failed``), on the reactor that is already running: ``start()`` runs the loop
    until every crawl has ended, where :class:`~scrapy.crawler.AsyncCrawlerProcess` would
    run the reactor and stop it."""

    def __init__(self, settings, loop):
        super().__init__(settings)
        self.loop = loop

    def start(self, stop_after_crawl=True, install_signal_handlers=True):
        tasks = list(self._active)
        self.loop.run_until_complete(self.join())
        for task in tasks:  # the process prints a crawl that failed to start, traceback included
            if not task.cancelled() and task.exception() is not None:
                traceback.print_exception(task.exception(), file=sys.stderr)


def _run(argv, loop):
    """What ``scrapy.cmdline.execute`` does with ``scrapy crawl <argv>``, up to the exit status:
    the project's crawl command parses the options, checks, crawls and reports."""
    from discogs_harvest.commands.crawl import Command
    from discogs_harvest.freshness import close_database

    command = Command()
    command.settings = _project_settings()
    command.settings.setdict(command.default_settings, priority="command")
    parser = argparse.ArgumentParser()
    command.add_options(parser)
    opts, args = parser.parse_known_args(argv)
    command.process_options(args, opts)
    command.crawler_process = _RunningReactorProcess(command.settings, loop)
    asyncio.set_event_loop(loop)  # AsyncCrawlerRunner creates its task on the current loop
    try:
        command.run(args, opts)
    finally:
        asyncio.set_event_loop(None)
        close_database(command.settings.get("DATABASE_URL"))  # as the process exit would
    return command.exitcode
