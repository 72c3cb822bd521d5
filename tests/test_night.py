"""Night manners and memory through the whole skill: quiet at 03:00 device time and not at 15:00,
"whisper" / "speak normally" remembered, tips not repeated across sessions, an interrupted
routine offered again, "forget me", a failing store, and recorded clips in the daytime."""

from __future__ import annotations

import json
import random
import sqlite3
import time

import pytest

import content
from skill.builder import build_skill
from speech import Speaker, ssml
from tests.audio_pack import FORMAT, mp3
from tests.envelopes import Conversation, dressed, intent, speech
from tests.loopback import TOKEN

QUIET = ('<amazon:effect name="whispered">', '<prosody volume="x-soft"')
AT_3AM = "2026-11-24T03:00:00Z"  # Europe/London is UTC in November
AT_3PM = "2026-11-24T15:00:00Z"


class Device(Conversation):
    """One user on one device: sessions come and go, the store and this process remain."""

    def __init__(self, skill, endpoint: str, device: str = "london", user: str = "amzn1.ask.account.NIGHT"):
        super().__init__(skill)
        self.endpoint, self.device, self.user = endpoint, device, user
        self.timestamp = AT_3AM

    def send(self, envelope: dict) -> dict:
        return super().send(dressed(envelope, user=self.user, device=self.device, timestamp=self.timestamp,
                                    endpoint=self.endpoint, token=TOKEN))

    def new_session(self, name: str, **slots) -> dict:
        self.attributes = {}
        envelope = intent(name, {}, **slots)
        envelope["session"]["new"] = True
        return self.send(envelope)


def quiet(response: dict) -> bool:
    return any(tag in speech(response) for tag in QUIET)


@pytest.fixture
def device(skill, api):
    return Device(skill, api.endpoint)


def test_quiet_and_brief_at_3am_not_at_3pm(device, api):
    assert quiet(device.new_session("PreventionTipIntent"))  # learns the zone from the Settings API
    assert api.calls == ["london"]
    night = device.launch()  # the mid-cramp path: no I/O, what this process learnt is enough
    assert quiet(night) and night["sessionAttributes"]["last"]["keys"][:2] == ["relief.calf", "launch.offer"]
    assert '<amazon:effect name="whispered">' in speech(night)  # relief is whispered (content decides)
    device.timestamp = AT_3PM
    day = device.launch()
    assert not quiet(day)
    offer = content.load().phrase("launch.offer")  # the brief variants at night, the full ones by day
    assert any(ssml.from_text(v) in speech(night) for v in offer.short)
    assert any(ssml.from_text(v) in speech(day) for v in offer.say)
    assert api.calls == ["london"]  # asked once, then cached


def test_the_mid_cramp_answer_never_waits_for_the_settings_api(skill, api):
    device = Device(skill, api.endpoint, device="slow")  # answers after 0.6 s
    started = time.perf_counter()
    answer = device.new_session("CrampNowIntent", muscle="calf")
    assert time.perf_counter() - started < 0.2  # the lookup runs in the background, never awaited
    assert answer["sessionAttributes"]["last"]["keys"][0] == "relief.calf"


def test_a_never_seen_device_is_quiet_from_the_first_word_when_it_is_night_across_the_country(skill, api):
    device = Device(skill, api.endpoint, device="london")  # its real zone is Europe/London
    device.timestamp = "2026-11-24T08:00:00Z"  # 03:00 in New York, 22:00 in Honolulu: night in every US zone
    answer = device.launch()
    assert quiet(answer) and device.keys[0] == "relief.calf"
    deadline = time.monotonic() + 3
    while len(api.calls) < 1 and time.monotonic() < deadline:  # the lookup was started in the background
        time.sleep(0.02)
    time.sleep(0.1)
    again = device.say("CrampNowIntent", muscle="calf")  # the next turn knows the real zone: 08:00 in London
    assert not quiet(again) and api.calls == ["london"]


def test_a_never_seen_device_speaks_normally_when_the_country_is_awake(skill, api):
    device = Device(skill, api.endpoint, device="london")
    device.timestamp = "2026-11-24T20:00:00Z"  # 15:00 in New York
    assert not quiet(device.launch())


def test_whisper_and_speak_normally_are_remembered(device):
    device.timestamp = AT_3PM
    assert not quiet(device.new_session("PreventionTipIntent"))
    said = device.new_session("QuietModeIntent", mode="whisper")
    assert device.keys == ["quiet.on"] and quiet(said) and device.ended
    assert quiet(device.new_session("PreventionTipIntent"))
    assert quiet(device.launch())  # the mid-cramp path knows it without the store
    device.timestamp = AT_3AM
    device.new_session("QuietModeIntent", mode="normal")
    assert device.keys == ["quiet.off"] and not quiet(device.last)
    assert not quiet(device.new_session("PreventionTipIntent"))
    device.new_session("QuietModeIntent", mode="auto")
    assert device.keys == ["quiet.auto"] and quiet(device.new_session("PreventionTipIntent"))


LOUD_ANSWERS = [("SymptomCheckIntent", {"symptom": "chest_pain"}), ("SymptomCheckIntent", {"symptom": "swelling"}),
                ("SymptomCheckIntent", {"symptom": "sudden_weakness"}), ("SeeDoctorIntent", {})]


@pytest.mark.parametrize("name, slots", LOUD_ANSWERS, ids=[s.get("symptom", n) for n, s in LOUD_ANSWERS])
def test_emergency_and_urgent_answers_are_never_quiet_at_night_or_in_whisper_mode(device, api, name, slots):
    assert quiet(device.new_session("PreventionTipIntent"))  # 03:00 on the device's clock: night
    loud = device.new_session(name, **slots)
    first = device.keys[0]
    assert content.load().phrase(first).urgency in ("emergency", "urgent")
    assert not quiet(loud) and "<prosody" not in speech(loud), speech(loud)
    device.timestamp = AT_3PM
    device.new_session("QuietModeIntent", mode="whisper")
    assert quiet(device.new_session("PreventionTipIntent"))  # whisper mode by day
    loud = device.new_session(name, **slots)
    assert device.keys[0] == first and not quiet(loud) and "<prosody" not in speech(loud)


def test_quiet_mode_without_a_mode_asks(device):
    device.new_session("QuietModeIntent")
    assert device.keys == ["quiet.unknown"] and not device.ended


def test_the_voice_survives_a_new_process(settings, api):
    first = Device(build_skill(settings, rng=random.Random(1)), api.endpoint)
    first.timestamp = AT_3PM
    first.new_session("QuietModeIntent", mode="whisper")
    again = Device(build_skill(settings, rng=random.Random(1)), api.endpoint)
    again.timestamp = AT_3PM
    assert quiet(again.new_session("CausesIntent"))  # read back from the SQLite file


def test_tips_do_not_repeat_across_sessions_until_all_are_heard(device):
    total = len(content.load().tips)
    heard = []
    for _ in range(total):
        device.new_session("PreventionTipIntent")
        heard += [k for k in device.keys if k.startswith("tip.") and k not in ("tip.intro", "tip.more")]
    assert len(heard) == total == len(set(heard)), heard
    device.new_session("PreventionTipIntent")
    again = [k for k in device.keys if k.startswith("tip.") and k not in ("tip.intro", "tip.more")]
    assert again and again[0] != heard[-1]  # the pool starts over, never with the tip just heard


def test_an_interrupted_routine_is_offered_again_within_15_minutes(device, settings):
    device.new_session("GuidedStretchIntent", muscle="thigh")
    device.say("AMAZON.NextIntent")
    device.say("AMAZON.NextIntent")
    assert any(k.startswith("routine.thigh.3") for k in device.keys)
    device.new_session("GuidedStretchIntent")  # the session was lost; a new one starts
    assert device.keys == ["stretch.resume_offer"]
    device.say("AMAZON.YesIntent")
    assert device.keys[:2] == ["stretch.resume", "routine.thigh.3"]

    device.new_session("GuidedStretchIntent", muscle="thigh")
    assert device.keys == ["stretch.resume_offer"]
    device.say("AMAZON.NoIntent")  # start again instead
    assert device.keys[:3] == ["stretch.intro", "stretch.clot_cue", "routine.thigh.1"]

    database = settings.store_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as db:  # 16 minutes pass
        (record,) = db.execute("SELECT value FROM memory").fetchone()
    stale = json.loads(record)
    stale["routine"]["saved_at"] -= 16 * 60
    with sqlite3.connect(database) as db:
        db.execute("UPDATE memory SET value = ?", (json.dumps(stale),))
    device.new_session("GuidedStretchIntent", muscle="thigh")
    assert device.keys[:3] == ["stretch.intro", "stretch.clot_cue", "routine.thigh.1"]


def test_a_finished_routine_is_not_offered_again(device):
    device.new_session("GuidedStretchIntent", muscle="shin")
    while "stretch.done_check" not in device.keys:
        device.say("AMAZON.NextIntent")
    device.say("AMAZON.YesIntent")  # it eased
    device.new_session("GuidedStretchIntent", muscle="shin")
    assert device.keys[0] == "stretch.intro"


def test_forget_me_deletes_the_record_and_says_so(device, settings):
    device.timestamp = AT_3PM
    device.new_session("QuietModeIntent", mode="whisper")
    device.new_session("PreventionTipIntent")
    device.new_session("ForgetMeIntent")
    assert device.keys == ["forget.done"] and device.ended
    with sqlite3.connect(settings.store_url.removeprefix("sqlite:///")) as db:
        assert db.execute("SELECT COUNT(*) FROM memory").fetchone() == (0,)
    assert not quiet(device.new_session("PreventionTipIntent"))  # the voice is forgotten too


@pytest.mark.parametrize("store", ["sqlite:///{tmp}/not-a-dir/x.sqlite3", "sqlite:///{tmp}/locked.sqlite3"])
def test_a_broken_store_costs_only_memory(settings, tmp_path, api, store, caplog):
    (tmp_path / "not-a-dir").write_text("a file where a directory should be")
    locked = sqlite3.connect(tmp_path / "locked.sqlite3", isolation_level=None)
    locked.execute("CREATE TABLE t (x)")
    locked.execute("BEGIN EXCLUSIVE")
    try:
        broken = settings.replace(store=store.format(tmp=tmp_path))
        device = Device(build_skill(broken, rng=random.Random(2)), api.endpoint)
        started = time.perf_counter()
        for name, slots in [("PreventionTipIntent", {}), ("GuidedStretchIntent", {"muscle": "calf"}),
                            ("QuietModeIntent", {"mode": "whisper"}), ("BedtimeTipIntent", {}),
                            ("ForgetMeIntent", {})]:
            answer = device.new_session(name, **slots)
            assert answer["response"]["outputSpeech"]["ssml"] and "error.main" not in device.keys, name
        assert device.keys == ["forget.failed"]  # never claims to have deleted what it could not
        assert time.perf_counter() - started < 3
        assert any(r.levelname == "WARNING" for r in caplog.records)
    finally:
        locked.close()


def test_recorded_clips_are_used_in_the_daytime_within_alexas_limits(settings, tmp_path, api):
    pack = tmp_path / "pack"
    pack.mkdir()
    tone = mp3(pack / "0123456789abcdef0123.mp3", seconds=2.0)  # one real clip stands for every clip id
    every = {clip: {"file": tone.name, "duration": 2.0, "hash": tone.stem, "engine": "test-tone", "script_sha": ""}
             for clip, _ in Speaker(content.load()).clips()}
    (pack / "manifest.json").write_text(json.dumps({"version": 1, "format": FORMAT,
                                                    "locales": {"en-US": {"clips": every}}}))
    settings = settings.replace(store="none", audio_dir=pack, audio_base_url="https://audio.example.com")
    device = Device(build_skill(settings, rng=random.Random(5)), api.endpoint)
    device.timestamp = AT_3PM
    device.new_session("GuidedStretchIntent", muscle="calf")
    device.say("AMAZON.NextIntent")
    day = device.last["response"]
    spoken = day["outputSpeech"]["ssml"] + day.get("reprompt", {}).get("outputSpeech", {}).get("ssml", "")
    assert 0 < spoken.count("<audio ") <= 5 and 'src="https://audio.example.com/' in spoken
    device.timestamp = AT_3AM
    night = device.new_session("PreventionTipIntent")
    assert "<audio" not in speech(night) and quiet(night)  # a clip cannot whisper


@pytest.mark.parametrize("echoed", [{"muscle": []}, {"muscle": "calf", "step": 99}, {"muscle": "elbow", "step": 1},
                                    "calf", None, {"muscle": "calf", "step": True}])
def test_a_resume_offer_echoed_back_in_another_shape_is_ignored(device, echoed):
    device.new_session("PreventionTipIntent")
    device.attributes = {"pending": "resume", "resume": echoed}
    device.say("AMAZON.YesIntent")
    assert "error.main" not in device.keys and not any(k.startswith("stretch.resume") for k in device.keys)
