"""body_text: a release body's text as Scrapy's ``response.text`` gives it, in every case."""

import pytest
from scrapy.http import JsonResponse, TextResponse

from discogs_harvest.spiders.base import body_text

URL = "https://api.discogs.com/releases/1"
BODIES = [
    b'{"id": 1, "title": "Plain ASCII"}',
    '{"id": 1, "title": "Bj\u00f6rk \u2013 Post \u65e5\u672c"}'.encode(),
    # A release's notes may hold HTML: Scrapy then reads the body in the charset it declares.
    b'{"id": 1, "notes": "<meta charset=\\"iso-8859-1\\"> caf\xc3\xa9"}',
    b'{"id": 1, "notes": "<?xml version=\\"1.0\\" encoding=\\"cp1251\\"?> \xc3\xa9"}',
    b'{"id": 1, "title": "caf\xe9 (latin-1, not UTF-8)"}',
    '\ufeff{"id": 1, "title": "BOM \u00e9"}'.encode(),
    '{"id": 1, "title": "UTF-16 \u00e9"}'.encode("utf-16-le"),
    b'  {"id": 1, "title": "leading space \xc3\xa9"}',
    b"[1, 2]",
    b"",
]
CONTENT_TYPES = [b"application/json", b"application/json; charset=iso-8859-1", b"text/plain", None]


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@pytest.mark.parametrize("cls", [JsonResponse, TextResponse])
def test_body_text_is_scrapys_text(cls, content_type, body):
    headers = {b"Content-Type": content_type} if content_type else {}
    assert body_text(cls(URL, body=body, headers=headers)) == cls(URL, body=body, headers=headers).text


@pytest.mark.parametrize("body", BODIES[:5])
def test_body_text_keeps_a_given_encoding(body):
    headers = {b"Content-Type": b"application/json"}
    response = JsonResponse(URL, body=body, headers=headers, encoding="latin-1")
    assert body_text(response) == JsonResponse(URL, body=body, headers=headers, encoding="latin-1").text


class NoDetection(JsonResponse):
    @property
    def text(self):
        raise AssertionError("Scrapy's encoding detection was asked")


@pytest.mark.parametrize("body", BODIES[:2])
def test_a_plain_discogs_body_skips_detection(body):
    response = NoDetection(URL, body=body, headers={b"Content-Type": b"application/json"})
    assert body_text(response) == body.decode("utf-8")
