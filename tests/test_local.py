"""The local conversation driver's parts: the device's clock and zone, reading SSML back into
text, holds and clips, the input it refuses, and an answer played from a real audio pack."""

from __future__ import annotations

import datetime as dt
import random
import shutil

import pytest

import content
from skill.devicetime import is_night, zone_info
from skill.local import envelopes, spoken
from skill.local.envelopes import DeviceClock, machine_zone
from skill.local.session import MAX_TEXT, Conversation, local_skill, unusable
from speech import Speaker
from tests.audio_pack import write_pack


def test_the_device_clock_starts_at_the_time_asked_and_runs_on():
    ticks = iter([100.0, 100.0, 190.0])
    clock = DeviceClock("America/New_York", dt.time(3, 0), monotonic=lambda: next(ticks))
    first, later = clock.now(), clock.now()
    assert first.astimezone(zone_info("America/New_York")).time() == dt.time(3, 0)
    assert later - first == dt.timedelta(seconds=90)
    assert is_night(first, zone_info("America/New_York"), dt.time(21), dt.time(7))


def test_the_machine_zone_comes_from_the_localtime_link(tmp_path):
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Europe/Paris")
    assert machine_zone(link) == "Europe/Paris"
    assert machine_zone(tmp_path / "missing") == "UTC"


def test_the_local_zone_is_known_without_any_lookup():
    zones = envelopes.DeviceZone("Asia/Tokyo")
    assert zones.known("anything") == "Asia/Tokyo" and zones.lookup(None, None, None) == "Asia/Tokyo"
    assert zones.prefetch("http://127.0.0.1:9", "device", "token") is None


@pytest.mark.parametrize("text, problem", [
    ("", "chat.empty"), ("   ", "chat.empty"), (None, "chat.empty"), (42, "chat.empty"),
    ("x" * (MAX_TEXT + 1), "chat.too_long"), ("a\x00b", "chat.not_text"), ("bad \ufffd bytes", "chat.not_text"),
    ("my calf is cramping", None), ("\u00e9t\u00e9 \U0001F600", None),
])
def test_what_cannot_be_sent(text, problem):
    assert unusable(text) == problem


def test_a_counted_hold_is_one_mark_and_short_pauses_none():
    speaker = Speaker(content.load(), random.Random(3))
    step = speaker.step("calf", 2, 0) + speaker.pause(2) + speaker.say("stretch.next_prompt", 0)
    parts = spoken.segments(step.speak())
    hold = content.load().routines["calf"].steps[1].hold
    shown = spoken.shown(parts, lambda seconds: f"<hold {seconds}>")
    assert shown.count(f"<hold {hold}>") == 1 and shown.count("<hold") == 1
    assert sum(p.seconds for p in parts if isinstance(p, spoken.Pause)) == hold + 2
    for count in range(5, hold, 5):
        assert f" {count}. " not in f" {shown} "


def test_quiet_is_read_from_the_delivery():
    speaker = Speaker(content.load(), random.Random(3))
    said = speaker.say("relief.calf", 0)
    assert spoken.is_quiet(said.speak(night=True)) and not spoken.is_quiet(said.speak())


def test_an_answer_from_the_pack_is_shown_in_words_and_played_from_its_files(settings, monkeypatch):
    if shutil.which("ffplay") is None:
        pytest.fail("ffplay is needed: apt-get install ffmpeg")
    speaker = Speaker(content.load())
    wanted = [clip for clip, _ in speaker.clips() if clip.split("#")[0] in ("relief.calf", "launch.offer", "launch.reprompt")]
    write_pack(settings.audio_path, wanted, seconds=0.2)
    skill, local = local_skill(settings, zone="UTC", rng=random.Random(1))
    talk = Conversation(skill, local, at=dt.time(14, 0), zone="UTC")
    launched = talk.start()
    clips = [part for part in launched.segments if isinstance(part, spoken.Clip)]
    assert clips and all(part.ssml for part in clips) and "<audio" in launched.ssml
    assert launched.text and "[" not in launched.text  # the clips' own words, no marks
    assert launched.text.split(".")[0] in {speaker.say("relief.calf", n).text.split(".")[0]
                                           for n in range(len(content.load().phrase("relief.calf").say))}
    from skill.local.voice import Voice
    from speech.audio.play import find_player

    started = []
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")  # a real ffplay, with no sound card
    Voice(find_player(), "en-US", talk.scripts, on_start=started.append).play(launched.segments)
    assert [path.name for path in started] == [part.file for part in clips]
    assert all(path.parent == settings.audio_path for path in started)
