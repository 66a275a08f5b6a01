"""The oEmbed stand-in over real HTTP: answers as YouTube's, configurable, logged."""

import json
import urllib.error
import urllib.request

import pytest

from discogs_harvest.sandbox.youtube import OembedStandInProcess
from discogs_harvest.youtube.health import EMBEDDING_DISABLED, PLAYABLE, PRIVATE, REMOVED, TRANSIENT, classify
from discogs_harvest.youtube.oembed import oembed_url

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(60)]

RECORDED = "-DaZZMDMAWs"  # the first video of the recorded release 1052359


@pytest.fixture(scope="module")
def stand_in():
    with OembedStandInProcess("--removed", "aaaaaaaaaaa", "--private", "bbbbbbbbbbb") as process:
        yield process


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read()


def check(stand_in, video_id):
    return classify(*get(oembed_url(stand_in.oembed_url, video_id)))


def test_answers_like_youtube(stand_in):
    stand_in.reset()
    stand_in.videos(removed=["aaaaaaaaaaa"], private=["bbbbbbbbbbb"], embedding_disabled=["ccccccccccc"])
    status, content_type, body = get(oembed_url(stand_in.oembed_url, "dQw4w9WgXcQ"))
    assert status == 200 and "json" in content_type
    assert json.loads(body)["type"] == "video" and "iframe" in json.loads(body)["html"]
    assert check(stand_in, "aaaaaaaaaaa").result == REMOVED
    assert check(stand_in, "bbbbbbbbbbb").result == PRIVATE
    assert check(stand_in, "ccccccccccc").result == EMBEDDING_DISABLED
    assert get(f"{stand_in.oembed_url}?url=https://www.youtube.com/watch?v=short&format=json")[:1] == (400,)
    assert get(get_xml := f"{stand_in.oembed_url}?url=https://youtu.be/dQw4w9WgXcQ&format=xml")[:1] == (501,), get_xml
    assert [entry["status"] for entry in stand_in.log()] == [200, 404, 403, 401, 400, 501]


def test_recorded_ids_carry_their_recorded_title(stand_in):
    outcome = check(stand_in, RECORDED)
    assert (outcome.result, outcome.title) == (PLAYABLE, "Piero Umiliani - Pelle Di Luna")


def test_flaky_ids_cycle_through_transient_answers(stand_in):
    stand_in.reset()
    stand_in.videos(flaky=["fffffffffff"])
    results = [check(stand_in, "fffffffffff").result for _ in range(8)]
    assert results == [TRANSIENT, TRANSIENT, TRANSIENT, PLAYABLE] * 2
    assert stand_in.videos(flaky_cycle=["429", "ok"])["flaky_cycle"] == ["429", "ok"]


def test_bad_configuration_is_refused(stand_in):
    with pytest.raises(urllib.error.HTTPError) as error:
        stand_in.videos(gone=["x"])
    assert error.value.code == 400
