"""Spider middlewares of discogs-harvest."""


def step_aside_when_off(middleware):
    """Take ``middleware`` out of the responses' chain when its ``_enabled()`` says no for the
    crawl's spider (known before Scrapy builds its middlewares).

    Scrapy skips a middleware whose ``process_spider_output`` is None, so every response's output
    goes through neither that method's generator nor the one Scrapy wraps around it. Built
    without a spider (a test's), the middleware stays in and decides per response as before.
    """
    if middleware.crawler.spider is not None and not middleware._enabled():
        middleware.process_spider_output = None
