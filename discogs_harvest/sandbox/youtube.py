"""A stand-in for YouTube's oEmbed endpoint, on its own port as YouTube is on its own host.

``python -m discogs_harvest.sandbox.youtube [--port 0] [--removed ID,...] [--private ID,...]
[--embedding-disabled ID,...] [--flaky ID,...] [--log FILE.jsonl]`` prints its base URL on the
first stdout line; point ``YOUTUBE_OEMBED_URL`` at ``<that URL>/oembed``.

``GET /oembed?url=<watch URL>&format=json`` answers as YouTube does
(shared/foreign-services/YOUTUBE_OEMBED_FACTS.md): any well-formed id, generated or
recorded, is a public embeddable video (200, oEmbed JSON; recorded ids carry their recorded
title), unless configured otherwise: *removed* 404 ``Not Found``, *private* 403
``Forbidden``, *embedding disabled* 401 ``Unauthorized`` (plain bodies, not JSON);
a malformed id or URL 400 ``Bad Request``, another ``format`` 501. A *flaky* id goes through
``flaky_cycle`` one answer per request to it: 503, 500, a 200 whose body is ``Forbidden``
(YouTube's 2020 quirk), then a good answer, and round again.

Control routes (never logged): ``GET /_sandbox/log?since=N`` (one entry per oEmbed request:
``seq, t, path, video_id, status, answer, client,
user_agent, authorization``), ``POST /_sandbox/videos`` with any of
``removed``, ``private``, ``embedding_disabled``, ``flaky`` (id lists, replacing those given)
and ``flaky_cycle``, ``POST /_sandbox/reset`` (log, configuration and flaky counters).
"""

import argparse
import asyncio
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from urllib.parse import parse_qs, urlsplit

from aiohttp import web

from discogs_harvest.processors import youtube_id
from discogs_harvest.sandbox.process import SandboxProcess
from discogs_harvest.sandbox.recorded import Recorded
from discogs_harvest.sandbox.reqlog import RequestLog
from discogs_harvest.sandbox.serving import control, serving

KINDS = ("removed", "private", "embedding_disabled")
ANSWERS = {
    "removed": (404, "Not Found"),
    "private": (403, "Forbidden"),
    "embedding_disabled": (401, "Unauthorized"),
    "bad_request": (400, "Bad Request"),
    "503": (503, "Service Unavailable"),
    "500": (500, "Internal Server Error"),
    "429": (429, "Too Many Requests"),
    "200-text": (200, "Forbidden"),
}
FLAKY_CYCLE = ("503", "500", "200-text", "ok")


@dataclass
class VideoConfig:
    removed: set = field(default_factory=set)
    private: set = field(default_factory=set)
    embedding_disabled: set = field(default_factory=set)
    flaky: set = field(default_factory=set)
    flaky_cycle: tuple = FLAKY_CYCLE

    def update(self, **changes):
        unknown = set(changes) - {*KINDS, "flaky", "flaky_cycle"}
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        for name, value in changes.items():
            if name == "flaky_cycle":
                bad = [answer for answer in value if answer != "ok" and answer not in ANSWERS]
                if bad or not value:
                    raise ValueError(f"flaky_cycle: unknown answers {bad}")
                self.flaky_cycle = tuple(value)
            else:
                setattr(self, name, {str(video_id) for video_id in value})
        return self.as_dict()

    def as_dict(self):
        return {name: sorted(value) if isinstance(value, set) else list(value) for name, value in asdict(self).items()}


class OembedStandIn:
    """What one running stand-in holds: configuration, flaky counters, request log, titles."""

    def __init__(self, config=None, log_path=None):
        self.config = config or VideoConfig()
        self.log = RequestLog(log_path)
        self.asked = Counter()  # flaky id -> requests so far
        self.titles = recorded_titles()
        self.base_url = ""

    def reset(self):
        self.config = VideoConfig()
        self.asked.clear()
        self.log.clear()

    def answer(self, query):
        """``(status, answer name, video id)`` for one oEmbed query string's parameters."""
        if query.get("format", ["json"])[0] != "json":
            return 501, "not_implemented", None
        video_id = youtube_id((query.get("url") or [""])[0])
        if video_id is None:
            return 400, "bad_request", None
        for kind in KINDS:
            if video_id in getattr(self.config, kind):
                return ANSWERS[kind][0], kind, video_id
        if video_id in self.config.flaky:
            cycle = self.config.flaky_cycle
            answer = cycle[self.asked[video_id] % len(cycle)]
            self.asked[video_id] += 1
            if answer != "ok":
                return ANSWERS[answer][0], answer, video_id
        return 200, "ok", video_id

    def oembed_body(self, video_id):
        """YouTube's oEmbed object for a public video (ruby-oembed#79's example, shape for shape)."""
        title = self.titles.get(video_id, f"Video {video_id}")
        return {
            "title": title, "author_name": "Sandbox Channel", "author_url": "https://www.youtube.com/@sandbox",
            "type": "video", "height": 113, "width": 200, "version": "1.0", "provider_name": "YouTube",
            "provider_url": "https://www.youtube.com/", "thumbnail_height": 360, "thumbnail_width": 480,
            "thumbnail_url": f"https://i.ytimg.com/vi/{video_id}/hqdefault.jpg",
            "html": f'<iframe width="200" height="113" src="https://www.youtube.com/embed/{video_id}?feature=oembed"'
                    ' frameborder="0" allowfullscreen title="' + title.replace('"', "&quot;") + '"></iframe>',
        }


def recorded_titles():
    """Video id -> title, from the recorded releases the Discogs sandbox serves."""
    titles = {}
    for body in Recorded.load().releases.values():
        for video in body.get("videos") or ():
            video_id = youtube_id(video.get("uri"))
            if video_id and video.get("title"):
                titles.setdefault(video_id, video["title"])
    return titles


STAND_IN = web.AppKey("stand_in", OembedStandIn)


async def oembed(request):
    stand_in = request.app[STAND_IN]
    status, answer, video_id = stand_in.answer(parse_qs(urlsplit(str(request.url)).query))
    if status == 200 and answer == "ok":
        response = web.json_response(stand_in.oembed_body(video_id))
    else:
        reason = ANSWERS.get(answer, (status, "Not Implemented"))[1]
        response = web.Response(status=status, text=reason, content_type="text/html")
    stand_in.log.append(t=time.time(), path=request.path, video_id=video_id, status=status, answer=answer,
                        client=request.remote, user_agent=request.headers.get("User-Agent"),
                        authorization=request.headers.get("Authorization"))
    return response


def _control(action):
    return control(STAND_IN, action)


def build_app(stand_in):
    app = web.Application()
    app[STAND_IN] = stand_in
    app.router.add_routes([
        web.get("/oembed", oembed),
        web.get("/_sandbox/log", _control(lambda s, request, _: {
            "requests": s.log.since(int(request.query.get("since", 0))), "next": s.log.last_seq})),
        web.post("/_sandbox/videos", _control(lambda s, request, data: s.config.update(**data))),
        web.post("/_sandbox/reset", _control(lambda s, request, _: (s.reset(), {"reset": True})[1])),
    ])
    return app


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m discogs_harvest.sandbox.youtube",
                                     description="A stand-in for YouTube's oEmbed endpoint.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default) picks a free port")
    for kind in (*KINDS, "flaky"):
        parser.add_argument(f"--{kind.replace('_', '-')}", default="", metavar="ID,...",
                            help=f"video ids answered as {kind.replace('_', ' ')}")
    parser.add_argument("--log", default=None, metavar="FILE.jsonl", help="also append the request log to FILE")
    return parser.parse_args(argv)


async def serve(args):
    config = VideoConfig()
    config.update(**{kind: [i for i in getattr(args, kind).split(",") if i] for kind in (*KINDS, "flaky")})
    stand_in = OembedStandIn(config, args.log)
    async with serving(build_app(stand_in), stand_in, args.host, args.port) as stop:
        print(stand_in.base_url, flush=True)
        await stop.wait()


class OembedStandInProcess(SandboxProcess):
    """The YouTube oEmbed stand-in (:mod:`discogs_harvest.sandbox.youtube`) in a child process."""

    module = "discogs_harvest.sandbox.youtube"

    @property
    def oembed_url(self) -> str:
        return f"{self.url}/oembed"

    def videos(self, **kw) -> dict:
        """Configure ``removed``, ``private``, ``embedding_disabled``, ``flaky`` ids (lists)."""
        return self._call("POST", "/_sandbox/videos", {k: sorted(v) if isinstance(v, set) else v for k, v in kw.items()})


def main(argv=None):
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()

