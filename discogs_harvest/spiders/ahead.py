"""OnePageAhead: the next page fetched while this one's items go out, the pages still handled in turn.

An inventory page costs the spider far more than its fetch (loading, parking and storing a
hundred listings), so its callback requests the next page before its own listings go out
(``seller_inventory``), and the fetch overlaps that work instead of following it. But Scrapy
hands a response to its callback as soon as it arrives: the next page's callback would run
while this page's items are still on their way through the pipelines, and the two pages'
listings would interleave (in storage's batches, in the order releases are queued).

So each page callback goes through :meth:`OnePageAhead.run`. While a page is going out, the
callback of the page that arrived meanwhile (its response, or the failure its errback got)
is kept here and returns nothing; the page going out takes it on once its own output is
done, as the rest of that output. The spider then sees the pages, and yields their items,
in exactly the order it did when each page was requested only after the one before.
At most one page waits: the next one is requested only once its predecessor is handled.
A callback that raises ends the turns: a page that was waiting, or arrives later, is
dropped, as a page that was never requested would not have come.
"""


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
