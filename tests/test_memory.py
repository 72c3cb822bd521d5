"""skill.memory: the typed, lazy, validated view over a user's record, on a real SQLite store."""

from __future__ import annotations

import json
import logging
import random
import sqlite3

import pytest

from skill.builder import build_skill
from skill.invoke import respond
from skill.config import Settings
from skill.interceptors import MemorySaver
from skill.memory import ROUTINE_TTL, clean
from skill.night import Night
from skill.store import GuardedAdapter, SqliteAdapter, open_store
from tests import fixtures
from tests.envelopes import DEVICE, USER, intent, load, turn_for
from tests.envelopes import sdk_envelope as envelope


class Counting(SqliteAdapter):
    """The real SQLite adapter, counting what reaches it."""

    def __init__(self, path):
        super().__init__(path)
        self.calls: list[str] = []

    def get_attributes(self, request_envelope):
        self.calls.append("get")
        return super().get_attributes(request_envelope)

    def save_attributes(self, request_envelope, attributes):
        self.calls.append("save")
        return super().save_attributes(request_envelope, attributes)

    def delete_attributes(self, request_envelope):
        self.calls.append("delete")
        return super().delete_attributes(request_envelope)


@pytest.fixture
def db(tmp_path):
    return tmp_path / "memory.sqlite3"


@pytest.fixture
def inner(db):
    return Counting(db)


@pytest.fixture
def store(inner):
    return GuardedAdapter(lambda: inner, "sqlite")


def stored(db) -> dict | None:
    with sqlite3.connect(db) as connection:
        row = connection.execute("SELECT value FROM memory").fetchone()
    return json.loads(row[0]) if row else None


def test_memory_is_lazy_and_saves_only_changes(store, inner, db):
    given = turn_for(envelope(), store)
    mine = given.memory
    assert inner.calls == [] and not db.exists()
    assert mine.voice is None and mine.tips_heard == () and mine.routine is None
    assert inner.calls == ["get"]
    assert mine.save() is False and inner.calls == ["get"]  # nothing changed: nothing written
    mine.voice = "whisper"
    mine.tips_heard = ["stretch_before_bed"]
    given.handler_input.attributes_manager.request_attributes["turn"] = given
    MemorySaver().process(given.handler_input, None)
    assert inner.calls == ["get", "save"]
    assert stored(db) == {"voice": "whisper", "tips_heard": ["stretch_before_bed"]}

    again = turn_for(envelope(), store).memory
    assert again.voice == "whisper" and again.tips_heard == ("stretch_before_bed",)
    again.voice = "whisper"  # the same value is no change
    assert again.save() is False


def test_tips_heard_keep_order_without_repeats(store, db):
    mine = turn_for(envelope(), store).memory
    mine.tips_heard = ["a", "b", "a", "c"]
    assert mine.tips_heard == ("a", "b", "c")
    mine.save()
    assert stored(db)["tips_heard"] == ["a", "b", "c"]
    with pytest.raises(ValueError):
        mine.tips_heard = ["a", ""]


def test_routine_is_resumable_for_fifteen_minutes(store):
    mine = turn_for(envelope(), store).memory
    mine.routine = {"muscle": "calf", "step": 2, "round": 1, "paused": False, "saved_at": 1_000_000}
    left = {"muscle": "calf", "step": 2, "round": 1, "saved_at": 1_000_000}
    assert mine.routine == left  # only what a resume needs is kept
    assert mine.resumable(1_000_000 + ROUTINE_TTL) == left
    assert mine.resumable(1_000_000 + ROUTINE_TTL + 1) is None
    mine.save()
    later = turn_for(envelope(), store).memory
    assert later.resumable(1_000_000 + 60)["step"] == 2
    assert later.resumable() is None  # left long ago
    later.routine = {"muscle": "foot", "step": 1, "round": 1}
    assert later.resumable()["muscle"] == "foot"  # saved now
    later.routine = None
    later.save()
    assert turn_for(envelope(), store).memory.routine is None
    with pytest.raises(ValueError):
        later.routine = {"muscle": "calf", "step": "two", "round": 1}


def test_zone_belongs_to_one_device(store):
    mine = turn_for(envelope(device="amzn1.ask.device.BEDROOM"), store).memory
    mine.zone = "Europe/London"
    mine.save()
    assert turn_for(envelope(device="amzn1.ask.device.BEDROOM"), store).memory.zone == "Europe/London"
    assert turn_for(envelope(device="amzn1.ask.device.KITCHEN"), store).memory.zone is None
    with pytest.raises(ValueError):
        mine.zone = "Mars/Olympus_Mons"


def test_only_known_fields_are_stored_and_the_device_is_hashed(store, db):
    mine = turn_for(envelope(), store).memory
    mine.voice, mine.zone = "normal", "America/New_York"
    mine.routine = {"muscle": "foot", "step": 0, "round": 0, "saved_at": 1_700_000_000}
    mine.tips_heard = ["water"]
    mine.save()
    record = stored(db)
    assert set(record) == {"voice", "tips_heard", "routine", "timezone"}
    assert record["routine"] == {"muscle": "foot", "step": 0, "round": 0, "saved_at": 1_700_000_000}
    assert DEVICE not in json.dumps(record) and record["timezone"]["zone"] == "America/New_York"


BAD_FIELDS = {
    "voice": "shout", "tips_heard": ["ok", 3], "routine": {"muscle": "calf", "step": "2", "round": 0, "saved_at": 1},
    "timezone": {"device": "x", "zone": "../../etc/passwd"}, "password": "hunter2",
}


def test_bad_fields_are_dropped_on_read_and_repaired(store, inner, db, caplog):
    store.save_attributes(envelope(), {**BAD_FIELDS, "voice": "whisper"})
    with caplog.at_level(logging.WARNING, "cramp_coach"):
        mine = turn_for(envelope(), store).memory
        assert mine.voice == "whisper" and mine.tips_heard == () and mine.routine is None and mine.zone is None
    (line,) = [r.getMessage() for r in caplog.records if r.name == "cramp_coach.memory"]
    assert json.loads(line)["fields"] == ["password", "routine", "timezone", "tips_heard"]
    assert USER not in caplog.text
    assert mine.save() is True  # the repaired record replaces the bad one
    assert stored(db) == {"voice": "whisper"}


@pytest.mark.parametrize("record", [BAD_FIELDS, {"routine": {"muscle": "calf", "step": True, "round": 0, "saved_at": 1}},
                                    {"tips_heard": "abc"}, {"routine": None}, {"timezone": {"zone": "UTC"}}])
def test_clean_keeps_nothing_it_did_not_write(record):
    kept, dropped = clean(record)
    assert kept == {} and dropped


def test_forget_deletes_the_record(store, inner, db):
    mine = turn_for(envelope(), store).memory
    mine.voice = "whisper"
    mine.save()
    assert turn_for(envelope(), store).memory.forget() is True
    assert stored(db) is None
    assert turn_for(envelope(), store).memory.voice is None


def test_a_store_that_fails_gives_an_empty_memory(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    broken = open_store(f"sqlite:///{tmp_path / 'file' / 'memory.sqlite3'}")
    mine = turn_for(envelope(), broken).memory
    assert mine.voice is None and mine.tips_heard == ()
    mine.voice = "whisper"
    assert mine.save() is False and mine.forget() is False


def test_no_user_means_no_store(store, inner):
    mine = turn_for(envelope(user=None), store).memory
    mine.voice = "whisper"
    assert mine.save() is False and mine.forget() is True
    assert inner.calls == []


def test_voice_is_known_to_the_process_once_seen(store):
    night = Night(Settings())
    first = turn_for(envelope(), store, night)
    assert night.decide(first, allow_io=False) is False  # 03:00 UTC, but no zone and no voice known
    night.choose(first, "whisper")
    first.memory.save()
    # A later request in this process knows it without reading the store; a new process does not.
    assert night.decide(turn_for(envelope(), store, night), allow_io=False) is True
    assert Night(Settings()).decide(turn_for(envelope(), store, Night(Settings())), allow_io=False) is False


@pytest.mark.parametrize("request_name", ["launch", "cramp"])
def test_the_mid_cramp_path_never_touches_the_store(tmp_path, request_name):
    db = tmp_path / "deep" / "memory.sqlite3"
    skill = build_skill(Settings(skill_id=fixtures.SKILL_ID, verify=False, store=f"sqlite:///{db}"),
                        rng=random.Random(3))
    payload = load(fixtures.LAUNCH) if request_name == "launch" else intent("CrampNowIntent")
    answer = respond(skill, payload)
    assert answer["response"]["outputSpeech"]["ssml"].startswith("<speak>")
    assert not db.parent.exists()


@pytest.mark.parametrize("name", ["PreventionTipIntent", "GuidedStretchIntent", "CrampNowIntent"])
def test_the_skill_answers_normally_when_the_store_is_broken(tmp_path, caplog, name):
    (tmp_path / "file").write_text("a file where a directory should be")
    skill = build_skill(Settings(skill_id=fixtures.SKILL_ID, verify=False,
                                 store=f"sqlite:///{tmp_path / 'file' / 'memory.sqlite3'}"), rng=random.Random(3))
    answer = respond(skill, intent(name))
    said = answer["sessionAttributes"]["last"]["keys"]
    assert said and "error.main" not in said
    assert "amzn1.ask.account" not in caplog.text  # no user id in clear
