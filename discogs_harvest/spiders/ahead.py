"""Paging ahead of the listings: pages requested and checked at the pace Discogs answers, their
listings worked off in turn, while the next page is on its way or once paging is over.

An inventory page costs the spider far more than its fetch (loading, parking and storing a
hundred listings), so ``seller_inventory`` splits it. Paging keeps only what decides the
paging: it checks the page, keeps its body on disk (:func:`~discogs_harvest.checkpoints.keep_page`)
and requests the next page. The page's listings go out later, read back from that body, in
page order, each page followed by its checkpoint. Two small classes keep the order and the pace:

:class:`OnePageAhead` keeps the page callbacks in turn. Scrapy hands a response to its
callback as soon as it arrives: the next page's callback would run while this page's items
are still on their way through the pipelines, and the two pages' listings would interleave
(in storage's batches, in the order releases are queued). So each page callback goes through
:meth:`OnePageAhead.run`. While a page is going out, the callback of the page that arrived
meanwhile (its response, or the failure its errback got) is kept here and returns nothing;
the page going out takes it on once its own output is done, as the rest of that output. The
spider then sees the pages, and yields their items, in exactly the order it did when each
page was requested only after the one before. At most one page waits: the next one is
requested only once its predecessor is handled. A callback that raises ends the turns: a
page that was waiting, or arrives later, is dropped, as a page that was never requested
would not have come.

:class:`PagesBehind` holds the pages whose listings have not gone out yet and says when they
do. A page callback works them off, oldest first, only while one page's work still fits
before the next page is due (expected as long after this one as this one came after its
predecessor; the first page, as long as its download took): when Discogs answers slowly, or
the rate limit spaces the pages, each page's listings go out before the next page arrives,
as they always did; when pages come faster than their listings can be worked off, paging
runs at the pace of the fetches and the listings follow once paging is over. Nothing waits
here but page numbers; the bodies stay on disk.
"""

import time
from collections import deque


class OnePageAhead:
    def __init__(self):
        self.busy = False
        self.stopped = False
        self.waiting = None  # (handler, response or failure) of the page that came early

    def run(self, handler, result):
        """``handler(result)``'s output now, or (a page still going out) as part of that page's."""
        if self.stopped:
            return
        if self.busy:
            if self.waiting is not None:
                raise RuntimeError("a second page arrived while one was waiting: pages were requested ahead")
            self.waiting = (handler, result)
            return
        self.busy = True
        try:
            while True:
                yield from handler(result)
                if self.waiting is None:
                    break
                (handler, result), self.waiting = self.waiting, None
        except BaseException:
            self.stopped, self.waiting = True, None
            raise
        finally:
            self.busy = False


class PagesBehind:
    """Pages paged but not worked off yet, in order, and the pace that says when they are.

    ``clock`` gives seconds (monotonic); ``first_cost`` is what one page's work is assumed to
    take until one was timed (a hundred listings took 40-50 ms in the throughput benchmark).
    """

    def __init__(self, clock=time.monotonic, first_cost=0.05):
        self.pages = deque()
        self.clock = clock
        self.cost = first_cost  # seconds the last page's work took
        self.last_arrival = None
        self.next_due = None  # when the next page is expected

    def __len__(self):
        return len(self.pages)

    def arrived(self, page, latency=None):
        """``page`` (what its work needs to know of it) was paged; ``latency``, its download's
        seconds, paces the first page."""
        now = self.clock()
        interval = now - self.last_arrival if self.last_arrival is not None else latency or 0.0
        self.last_arrival = now
        self.next_due = now + interval
        self.pages.append(page)

    def work_off(self, work, everything=False):
        """``work(page)``'s output for each page, oldest first, while there is time before the
        next page is due (or for all of them: ``everything``)."""
        while self.pages and (everything or self.clock() + self.cost <= self.next_due):
            page = self.pages.popleft()
            started = self.clock()
            yield from work(page)
            self.cost = self.clock() - started
