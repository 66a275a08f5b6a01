"""Run the project's ``scrapy crawl`` in this process: :func:`crawl` without a process's start-up.

``crawl_in_process(spider, sandbox, database, *args, ...)`` takes the same arguments as
:func:`tests.integration.crawling.crawl` and returns the same :class:`CrawlResult`
(``returncode``, ``stdout``, ``stderr``, ``error_lines``), so a test switches by its import::

    from tests.integration.inprocess import crawl_in_process as crawl

:func:`run_in_process` takes a ``scrapy crawl`` command line, its environment and its working
folder as they would be given to :func:`subprocess.run` (tests/integration/owner.py runs an
owner's crawls from a project folder of their own, with its ``.env``, this way);
:func:`run_command_in_process` does the same for a project command that starts no crawler
(``scrapy rebuild``).

What stays the same as the subprocess: the command line is the one :func:`crawl_command`
builds, parsed by the project's ``crawl`` command (``-a``, ``-s``, ``-O`` as Scrapy parses
them); the settings module is evaluated afresh under the environment the subprocess would
get (``DISCOGS_TOKEN`` and the ``env`` argument in, the caller's ``DISCOGS_*`` out), and that
environment stays in place for the whole crawl, as does the working folder (the project root,
where the subprocess starts, unless :func:`run_in_process` is given another); the command's checks
(:meth:`Command.check`) run first, and its :func:`verdict` gives the exit status and the
``error:`` line; every log record at ``LOG_LEVEL`` is formatted with Scrapy's
``LOG_FORMAT`` into ``stderr``; the database is closed at the end as the process exit
would close it.

Module state a new process would start without is set aside for the crawl and put back after
it (:func:`_isolated`), so a crawl neither sees the test's state nor leaves its own to the next
crawl or the rest of the session: the secrets :mod:`discogs_harvest.scrub` remembered, the
databases :mod:`discogs_harvest.freshness` opened (the crawl's are closed), what
:mod:`discogs_harvest.fts` learnt about them (keyed by ``id()``, which a later database may
reuse), the database the models are bound to, and the root logger's handlers, their filters and
the levels and filters of Scrapy's loggers (a crawl adds a handler per crawler, and the scrub
filter to every handler; left in place, every later log record of the session goes through them).
While the crawl runs, its records reach only its own ``stderr`` buffer, not pytest's handlers.

What differs, and so stays with the subprocess helper: signals and kills (there is no
process to signal), the quiet default console (``log_level=None``; the console's filters
are set on Scrapy's loggers), anything printed to the real stdout/stderr outside logging, a
crash of the interpreter itself, and Scrapy's caching DNS resolver (``CrawlerProcess``
installs it; here the reactor's default resolver answers, which for the sandbox's 127.0.0.1 is
the same answer). Use :func:`tests.integration.crawling.crawl` for those.

The reactor: the project's ``TWISTED_REACTOR`` (the asyncio one) is installed in this
process on the first call and marked running once (``reactor.startRunning``, what
``reactor.run`` does before it runs the loop); each crawl then runs its
:class:`~scrapy.crawler.AsyncCrawlerRunner` task with ``loop.run_until_complete``, so a
test stays a plain synchronous function, as the rest of this suite is. A crawl that has not
ended after ``timeout`` seconds is stopped and raises :class:`CrawlTimeout`, as the subprocess
helper raises :class:`subprocess.TimeoutExpired`. The reactor's thread pool (DNS look-ups,
``deferToThread``) is never stopped by a reactor shutdown here, so its threads are daemons and
:func:`shutdown` (tests/conftest.py, at the end of the session) stops it: Python waits for
every non-daemon thread before it exits, which left a finished pytest run hanging with no CPU.

Scrapy's own suite runs crawlers in the test process's reactor too (pytest-twisted with
``--reactor=asyncio``, ``tests/utils/crawl.py`` of scrapy/scrapy); this module does the
same without the plugin, because only the crawls here need a reactor. Scrapy's
"run from a script" docs (``topics/practices.rst``, ``AsyncCrawlerRunner``) describe the
runner used.
"""

import argparse
import asyncio
import contextlib
import functools
import importlib
import importlib.util
import io
import logging
import os
import subprocess
import sys
import threading
import traceback

from scrapy.crawler import AsyncCrawlerRunner
from scrapy.settings import Settings

from tests.integration.crawling import ROOT, TOKEN, CrawlResult, crawl_command

# Seconds a stopped crawl gets to close (pipelines flush, feeds are written) after its timeout.
STOP_GRACE = 30

_loop = None


class CrawlTimeout(subprocess.TimeoutExpired):
    """An in-process crawl that had not ended after its ``timeout`` (it was stopped)."""


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
        # Daemon threads: the pool outlives every crawl, and a reactor shutdown, which would stop it
        # (twisted/internet/base.py _initThreadPool adds _stopThreadPool as a "during shutdown"
        # trigger), never comes; ThreadPool.threadFactory (twisted/python/threadpool.py) is Thread.
        reactor.getThreadPool().threadFactory = functools.partial(threading.Thread, daemon=True)
        reactor.startRunning(installSignalHandlers=False)  # reactor.run() without run_forever()
        _loop = reactor._asyncioEventloop
    return _loop


def shutdown():
    """Stop the reactor's thread pool, if a crawl ran in this process (end of the test session)."""
    if _loop is None:
        return
    from twisted.internet import reactor

    if reactor.threadpool is not None and reactor.threadpool.started:
        reactor.threadpool.stop()


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


@contextlib.contextmanager
def _isolated():
    """Module state and logging set-up as they were before the block (see the module docstring)."""
    import scrapy.utils.log

    from discogs_harvest import freshness, fts, scrub
    from discogs_harvest.console import BOILERPLATE
    from discogs_harvest.models import database_proxy

    root = logging.getLogger()
    loggers = [logging.getLogger(name) for name in ("scrapy", "twisted", *BOILERPLATE)]
    saved_handlers = [(handler, list(handler.filters), handler.level) for handler in root.handlers]
    saved_loggers = [(logger, logger.level, list(logger.filters)) for logger in loggers]
    saved_root_level = root.level
    saved_scrapy_handler = scrapy.utils.log._scrapy_root_handler
    saved_secrets = set(scrub._secrets)
    saved_databases = dict(freshness._databases)
    saved_available = dict(fts._available)
    saved_database = database_proxy.obj
    # The crawl starts as a new process would: no secret known, no database open (it opens its own
    # connection even to a file the test has open), nothing learnt about full-text search.
    scrub._secrets.clear()
    freshness._databases.clear()
    fts._available.clear()
    try:
        yield
    finally:
        for url in list(freshness._databases):  # what the crawl opened
            freshness.close_database(url)
        freshness._databases.update(saved_databases)
        fts._available.clear()
        fts._available.update(saved_available)
        if database_proxy.obj is not saved_database:
            database_proxy.initialize(saved_database)
        scrub._secrets.clear()
        scrub._secrets.update(saved_secrets)
        kept = [saved[0] for saved in saved_handlers]
        for handler in root.handlers[:]:
            root.removeHandler(handler)
            if handler not in kept:
                handler.close()
        for handler, filters, level in saved_handlers:  # in their order
            root.addHandler(handler)
            handler.filters[:] = filters
            handler.setLevel(level)
        root.setLevel(saved_root_level)
        for logger, level, filters in saved_loggers:
            logger.setLevel(level)
            logger.filters[:] = filters
        scrapy.utils.log._scrapy_root_handler = saved_scrapy_handler


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
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    root = logging.getLogger()
    # Only this handler: pytest's capturing handlers never saw a subprocess's records, and at
    # level 0 they would format every DEBUG record (each scraped item) of the crawl.
    for existing in root.handlers[:]:
        root.removeHandler(existing)
    root.addHandler(handler)
    yield  # _isolated removes the handler and puts the levels back


def crawl_in_process(spider, sandbox, database, *args, token=TOKEN, settings=None, feed=None, timeout=180,
                     env=None, log_level="INFO"):
    """:func:`tests.integration.crawling.crawl`, in this process (see the module docstring).
    A crawl not ended after ``timeout`` seconds is stopped and raises :class:`CrawlTimeout`."""
    if log_level is None:
        raise ValueError("the quiet default console (log_level=None) needs the subprocess: use crawling.crawl")
    command, environ = crawl_command(spider, sandbox, database, *args, token=token, settings=settings, feed=feed,
                                     env=env, log_level=log_level)
    return run_in_process(command, environ, timeout=timeout)


def run_in_process(command, environ, cwd=None, timeout=180):
    """The ``scrapy crawl`` command line ``command`` (as given to :func:`subprocess.run`: the
    interpreter, ``-m scrapy crawl``, the spider and its options) run in this process, with
    ``environ`` as its whole environment and ``cwd`` (default: the project root) as its working
    folder for the crawl, where the settings find ``.env`` and ``scrapy.cfg`` as a process started
    there would. The console logs at the command's ``-s LOG_LEVEL=`` (else the environment's);
    the quiet default console needs the subprocess. Returns a :class:`CrawlResult`."""
    argv = command[command.index("crawl") + 1:]  # [spider, "-a", ..., "-s", ...]
    options = dict(argv[i + 1].partition("=")[::2] for i, word in enumerate(argv[:-1]) if word == "-s")
    log_level = options.get("LOG_LEVEL", environ.get("LOG_LEVEL"))
    if log_level is None:
        raise ValueError("the quiet default console (no LOG_LEVEL) needs the subprocess: use subprocess.run")
    loop = _reactor_loop()
    stdout, stderr = io.StringIO(), io.StringIO()
    with _isolated(), _environment(environ), _working_folder(cwd or ROOT), \
            _captured_log(Settings({"LOG_LEVEL": log_level}), stderr), \
            contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), _argv(["scrapy", *argv]):
        try:
            returncode = _run(argv, loop, timeout)
        except CrawlTimeout as exc:
            exc.cmd, exc.output, exc.stderr = command, stdout.getvalue(), stderr.getvalue()
            raise
    return CrawlResult(returncode, stdout.getvalue(), stderr.getvalue())


def run_command_in_process(command, environ, cwd=None):
    """A ``scrapy <name>`` command line of one of the project's commands that starts no crawler
    (``rebuild``), given as to :func:`subprocess.run`, run in this process as ``scrapy.cmdline``
    would run it: the project settings evaluated under ``environ`` in ``cwd`` (default: the project
    root), the command's ``default_settings``, its options parsed and processed, ``run``; its
    ``exitcode`` is the returned :class:`CrawlResult`'s ``returncode``, with what it printed and
    logged (at the resulting ``LOG_LEVEL``). A usage error or a crash is left to the subprocess."""
    name = command[command.index("scrapy") + 1]
    argv = command[command.index(name) + 1:]
    stdout, stderr = io.StringIO(), io.StringIO()
    with _isolated(), _environment(environ), _working_folder(cwd or ROOT), _argv(["scrapy", *argv]):
        cmd = importlib.import_module(f"discogs_harvest.commands.{name}").Command()
        opts, args = _prepared(cmd, argv)
        with _captured_log(cmd.settings, stderr), \
                contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                cmd.run(args, opts)
            finally:
                from discogs_harvest.freshness import close_database

                close_database(cmd.settings.get("DATABASE_URL"))  # as the process exit would
    return CrawlResult(cmd.exitcode, stdout.getvalue(), stderr.getvalue())


@contextlib.contextmanager
def _working_folder(folder):
    """The working folder changed to ``folder`` for the block (``.env`` and ``scrapy.cfg`` are
    looked for from there, discogs_harvest/project.py)."""
    saved = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(saved)


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

    def __init__(self, settings, loop, timeout):
        super().__init__(settings)
        self.loop = loop
        self.timeout = timeout

    def start(self, stop_after_crawl=True, install_signal_handlers=True):
        tasks = list(self._active)
        self.loop.run_until_complete(self._join_within(self.timeout))
        for task in tasks:  # the process prints a crawl that failed to start, traceback included
            if not task.cancelled() and task.exception() is not None:
                traceback.print_exception(task.exception(), file=sys.stderr)

    async def _join_within(self, timeout):
        """:meth:`join`, or after ``timeout`` seconds stop the crawls (cancel them if they do not
        close within :data:`STOP_GRACE`) and raise :class:`CrawlTimeout`."""
        try:
            await asyncio.wait_for(self.join(), timeout)
            return
        except TimeoutError:
            pass
        try:
            await asyncio.wait_for(self.stop(), STOP_GRACE)
        except TimeoutError:
            pass
        for task in list(self._active):
            task.cancel()
        if self._active:
            await asyncio.wait(self._active, timeout=STOP_GRACE)
        raise CrawlTimeout("scrapy crawl", timeout)


def run_spider_in_process(spidercls, settings, timeout=60, **spider_arguments):
    """Crawl ``spidercls`` with ``settings`` (a dict over Scrapy's defaults: no project settings, no
    command) in this process's reactor, isolated as :func:`crawl_in_process` is. Returns the
    crawler (its ``stats``) and the log at the settings' ``LOG_LEVEL`` as the crawl's console shows it."""
    from discogs_harvest.freshness import close_database

    loop = _reactor_loop()
    stderr = io.StringIO()
    with _isolated(), _captured_log(Settings(settings), stderr):
        runner = _RunningReactorProcess(settings, loop, timeout)
        crawler = runner.create_crawler(spidercls)
        asyncio.set_event_loop(loop)  # AsyncCrawlerRunner creates its task on the current loop
        try:
            runner.crawl(crawler, **spider_arguments)
            runner.start()
        finally:
            asyncio.set_event_loop(None)
            if settings.get("DATABASE_URL"):
                close_database(settings["DATABASE_URL"])  # as the process exit would
    return crawler, stderr.getvalue()


def _prepared(command, argv):
    """``command`` given the project's settings and its own defaults, ``argv`` parsed and
    processed as ``scrapy.cmdline.execute`` does: its ``(opts, args)``."""
    command.settings = _project_settings()
    command.settings.setdict(command.default_settings, priority="command")
    parser = argparse.ArgumentParser()
    command.add_options(parser)
    opts, args = parser.parse_known_args(argv)
    command.process_options(args, opts)
    return opts, args


def _run(argv, loop, timeout):
    """What ``scrapy.cmdline.execute`` does with ``scrapy crawl <argv>``, up to the exit status:
    the project's crawl command parses the options, checks, crawls and reports."""
    from discogs_harvest.commands.crawl import Command
    from discogs_harvest.freshness import close_database

    command = Command()
    opts, args = _prepared(command, argv)
    command.crawler_process = _RunningReactorProcess(command.settings, loop, timeout)
    asyncio.set_event_loop(loop)  # AsyncCrawlerRunner creates its task on the current loop
    try:
        command.run(args, opts)
    finally:
        asyncio.set_event_loop(None)
        close_database(command.settings.get("DATABASE_URL"))  # as the process exit would
    return command.exitcode
