"""skill.devicetime: the Settings API answered by a real HTTP server on loopback, the night window,
and skill.night's decision on the mid-cramp path (no I/O) and elsewhere."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from zoneinfo import ZoneInfo

import pytest

from skill.config import Settings
from skill.devicetime import MISS_TTL, TTLCache, Zones, is_night, zone_info
from skill.logs import pseudonym
from skill.night import Night
from skill.store import open_store
from tests.envelopes import sdk_envelope as envelope
from tests.envelopes import turn_for
from tests.loopback import ANSWERS, TOKEN

@pytest.mark.parametrize("device", ["london", "tokyo"])
def test_zone_found_and_cached(api, device):
    zones = Zones()
    expected = json.loads(ANSWERS[device][1])
    assert zones.lookup(api.endpoint, device, TOKEN) == expected
    assert zones.lookup(api.endpoint, device, TOKEN) == expected
    assert api.calls == [device]


@pytest.mark.parametrize("device", ["broken", "garbage", "mars", "path", "number", "unknown-device"])
def test_bad_answers_give_none_and_are_not_asked_again_soon(api, device):
    zones = Zones()
    assert zones.lookup(api.endpoint, device, TOKEN) is None
    assert zones.lookup(api.endpoint, device, TOKEN) is None
    assert api.calls == [device]  # the miss is remembered for MISS_TTL


def test_wrong_token_or_missing_context_gives_none(api):
    assert Zones().lookup(api.endpoint, "london", "wrong") is None
    assert Zones().lookup(None, "london", TOKEN) is None
    assert Zones().lookup(api.endpoint, "london", None) is None
    assert api.calls == ["london"]


def test_slow_api_gives_none_within_the_deadline_and_fills_the_cache_later(api):
    zones = Zones()
    started = time.perf_counter()
    assert zones.lookup(api.endpoint, "slow", TOKEN) is None
    assert time.perf_counter() - started < 0.35
    # The worker keeps its own (0.3 s) socket timeout: the late answer is not waited for.
    time.sleep(0.5)
    started = time.perf_counter()
    assert zones.lookup(api.endpoint, "slow", TOKEN) is None
    assert time.perf_counter() - started < 0.01  # remembered as a miss


def test_api_down_gives_none_quickly():
    started = time.perf_counter()
    assert Zones().lookup("http://127.0.0.1:9", "london", TOKEN) is None
    assert time.perf_counter() - started < 0.35


def test_cache_is_bounded_and_expires():
    now = [0.0]
    cache = TTLCache(size=2, clock=lambda: now[0])
    cache.put("a", 1, ttl=10)
    cache.put("b", 2, ttl=10)
    cache.get("a")
    cache.put("c", 3, ttl=10)  # "b" was used least recently
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    now[0] = 11
    assert cache.get("a") is None and len(cache) == 1


@pytest.mark.parametrize("name", ["Europe/London", "America/Argentina/Buenos_Aires", "UTC", "Etc/GMT+5"])
def test_zone_info_knows_real_zones(name):
    assert zone_info(name) == ZoneInfo(name)


@pytest.mark.parametrize("name", ["", "Mars/Base", "/etc/localtime", "../etc/passwd", "Europe/../London",
                                  "a" * 70, 42, None, ["Europe/London"]])
def test_zone_info_refuses_the_rest(name):
    assert zone_info(name) is None


WRAP = (dt.time(21), dt.time(7))
SMALL_HOURS = (dt.time(1), dt.time(5))


@pytest.mark.parametrize("utc, zone, window, expected", [
    ("2026-01-15T03:00:00+00:00", "Europe/London", WRAP, True),
    ("2026-01-15T15:00:00+00:00", "Europe/London", WRAP, False),
    ("2026-01-15T03:00:00+00:00", "Asia/Tokyo", WRAP, False),  # noon in Tokyo
    ("2026-01-15T15:00:00+00:00", "Asia/Tokyo", WRAP, True),  # midnight there
    ("2026-01-15T13:00:00+00:00", "Asia/Tokyo", WRAP, True),  # 22:00 there
    ("2026-07-15T03:00:00+00:00", "America/New_York", WRAP, True),  # 23:00 EDT
    ("2026-07-15T15:00:00+00:00", "America/New_York", WRAP, False),
    ("2026-07-15T02:00:00+00:00", "Europe/London", SMALL_HOURS, True),  # 03:00 BST
    ("2026-07-15T15:00:00+00:00", "Europe/London", SMALL_HOURS, False),
    ("2026-07-15T05:00:00+00:00", "Europe/London", SMALL_HOURS, False),  # 06:00 BST
    ("2026-01-15T21:00:00+00:00", "Europe/London", WRAP, True),  # the start is inside
    ("2026-01-15T07:00:00+00:00", "Europe/London", WRAP, False),  # the end is not
])
def test_is_night(utc, zone, window, expected):
    assert is_night(dt.datetime.fromisoformat(utc), ZoneInfo(zone), *window) is expected


def test_is_night_without_a_zone_is_false_and_naive_times_are_utc():
    assert is_night(dt.datetime(2026, 1, 15, 3, tzinfo=dt.UTC), None, *WRAP) is False
    assert is_night(dt.datetime(2026, 1, 15, 3), ZoneInfo("Europe/London"), *WRAP) is True


# --- skill.night: what the Turn interceptor and QuietModeIntent call -------------------------

SETTINGS = Settings()
AT_3AM_LONDON = "2026-01-15T03:00:00Z"
AT_3PM_LONDON = "2026-01-15T15:00:00Z"


@pytest.fixture
def store(tmp_path):
    return open_store(f"sqlite:///{tmp_path / 'memory.sqlite3'}")


def request(api, store, rule, device="london", timestamp=AT_3AM_LONDON, session=None):
    return turn_for(envelope(device=device, timestamp=timestamp, endpoint=api.endpoint, token=TOKEN,
                             session=session), store, rule)


def night(t, allow_io: bool) -> bool:
    return t.night.decide(t, allow_io=allow_io)


def test_mid_cramp_path_uses_no_io_and_learns_from_other_requests(api, store, tmp_path):
    rule = Night(SETTINGS)
    assert night(request(api, store, rule), allow_io=False) is False  # nothing known yet (the US is not all asleep)
    assert not (tmp_path / "memory.sqlite3").exists()
    deadline = time.monotonic() + 3  # the lookup it started in the background
    while rule.zones.known(pseudonym("london")) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert api.calls == ["london"]

    other = request(api, store, rule)
    assert night(other, allow_io=True) is True
    assert api.calls == ["london"] and other.memory.zone == "Europe/London"  # kept for a new process too
    other.memory.save()

    assert night(request(api, store, rule), allow_io=False) is True
    assert night(request(api, store, rule, timestamp=AT_3PM_LONDON), allow_io=False) is False
    assert api.calls == ["london"]


def test_voice_preference_overrides_the_clock(api, store):
    rule = Night(SETTINGS)
    chosen = request(api, store, rule)
    rule.choose(chosen, "normal")
    chosen.memory.save()
    assert night(request(api, store, rule), allow_io=False) is False
    assert night(request(api, store, Night(SETTINGS)), allow_io=True) is False  # from the store
    whisper = request(api, store, rule, timestamp=AT_3PM_LONDON)
    rule.choose(whisper, "whisper")
    whisper.memory.save()
    assert night(request(api, store, rule, timestamp=AT_3PM_LONDON), allow_io=False) is True
    assert api.calls == []  # a known preference needs no clock


def test_session_carries_what_was_learnt(api, store):
    first = request(api, store, Night(SETTINGS), session={})
    assert night(first, allow_io=True) is True
    carried = first.session.attributes
    assert carried["night"] == {"voice": None, "zone": "Europe/London"}
    # A new process (cold caches) on the mid-cramp path, with the session Alexa echoes back:
    assert night(request(api, store, Night(SETTINGS), session=carried), allow_io=False) is True
    forged = {"night": {"zone": "../../etc/passwd", "voice": "scream"}}
    assert night(request(api, store, Night(SETTINGS), session=forged), allow_io=False) is False


def test_slow_api_falls_back_on_the_remembered_zone(api, store):
    remembered = request(api, store, Night(SETTINGS), device="slow")
    remembered.memory.zone = "Asia/Tokyo"
    remembered.memory.save()
    started = time.perf_counter()
    # 03:00 UTC is noon in Tokyo; Paris (the API's late answer) would be night.
    assert night(request(api, store, Night(SETTINGS), device="slow"), allow_io=True) is False
    assert time.perf_counter() - started < 0.4


def test_no_device_means_no_clock_and_no_lookup(api, store):
    t = request(api, store, Night(SETTINGS), device="")
    assert t.facts.device_id is None
    assert night(t, allow_io=True) is False and api.calls == []


def test_miss_ttl_is_short():
    assert 10 <= MISS_TTL <= 300


def test_a_server_that_does_not_speak_http_gives_none():
    import socket

    listener = socket.create_server(("127.0.0.1", 0))

    def answer():
        connection, _ = listener.accept()
        with connection:
            connection.recv(4096)
            connection.sendall(b"SSH-2.0-not-http\r\n\r\n")

    threading.Thread(target=answer, daemon=True).start()
    zones = Zones()
    endpoint = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        assert zones.lookup(endpoint, "london", TOKEN) is None
        assert zones.lookup(endpoint, "london", TOKEN) is None  # remembered as a miss: not asked again
    finally:
        listener.close()


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+00:00"])
def test_is_night_at_the_ends_of_the_calendar_is_false_not_an_error(stamp):
    # Found by the long fuzz: the local time of these would be outside what datetime can hold.
    for zone in ("Asia/Tokyo", "America/Los_Angeles"):
        assert is_night(dt.datetime.fromisoformat(stamp), zone_info(zone), dt.time(21), dt.time(7)) is False
