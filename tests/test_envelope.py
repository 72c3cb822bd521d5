"""skill.envelope and skill.invoke: the facts of an envelope read once, one skill-id rule, no 500
from any readable JSON, and the deserializer held to ask-sdk's own reading."""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import random

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from hypothesis import given, settings

from skill import envelope
from skill.builder import build_skill
from skill.config import Settings
from skill.invoke import BadEnvelope, SkillIdMismatch
from skill.serializer import Serializer
from tests import fixtures
from tests import strategies as s
from tests.envelopes import keys, load, with_player

FIXTURES = [fixtures.LAUNCH, fixtures.INTENT, fixtures.SESSION_ENDED, fixtures.EXCEPTION_ENCOUNTERED,
            fixtures.CAN_FULFILL]


@pytest.fixture(scope="module")
def guarded():
    """The skill with a skill id configured, as it is deployed."""
    return build_skill(Settings(skill_id=fixtures.SKILL_ID, verify=False, store="none"), rng=random.Random(4))


def test_facts_of_a_launch():
    facts = envelope.read(with_player(load(fixtures.LAUNCH), "cramp-coach/bedtime/en-US/x", 1200))
    assert facts.problem is None and facts.request_type == "LaunchRequest" and facts.name == "LaunchRequest"
    assert facts.application_id == fixtures.SKILL_ID and facts.locale == "en-US" and facts.has_session
    assert facts.user_id and facts.device_id and facts.timestamp.tzinfo is not None
    assert facts.supports("AudioPlayer") and not facts.supports("Alexa.Presentation.APL")
    assert facts.player == envelope.Player("cramp-coach/bedtime/en-US/x", 1200, "PLAYING")


def test_the_skill_id_comes_from_the_context_first_then_the_session():
    both = load(fixtures.INTENT)
    both["session"]["application"]["applicationId"] = "amzn1.ask.skill.session-one"
    assert envelope.application_id(both) == fixtures.SKILL_ID
    del both["context"]["System"]["application"]
    assert envelope.application_id(both) == "amzn1.ask.skill.session-one"
    both["context"] = 7
    assert envelope.application_id(both) == "amzn1.ask.skill.session-one"
    assert envelope.application_id({"session": {"application": {"applicationId": 3}}}) is None


@pytest.mark.parametrize("payload, problem", [(None, "JSON object"), ([1], "JSON object"), ({}, "request type"),
                                              ({"request": {"type": 5}}, "request type"),
                                              ({"request": "LaunchRequest"}, "request type")])
def test_what_is_not_an_envelope_is_said_so(payload, problem):
    assert problem in envelope.read(payload).problem


@settings(max_examples=300, deadline=None)
@given(s.JSON)
def test_reading_facts_never_raises(value):
    for payload in (value, {"request": {"type": "IntentRequest"}, "context": value, "session": value},
                    {"request": {"type": "LaunchRequest", "timestamp": value, "intent": value},
                     "context": {"System": {"user": value, "device": value, "application": value}}}):
        envelope.read(payload)


# --- the 500 that used to reach Alexa, and its relatives ----------------------------------------


def test_a_right_session_skill_id_without_context_application_gets_an_answer(guarded):
    payload = load(fixtures.LAUNCH)
    del payload["context"]["System"]["application"]
    answer = guarded.respond(payload)
    assert keys(answer)[0] == "relief.calf"


MUTATIONS = {
    "no context": lambda e: e.pop("context"),
    "context null": lambda e: e.update(context=None),
    "context a list": lambda e: e.update(context=[]),
    "no System": lambda e: e["context"].pop("System"),
    "System a string": lambda e: e["context"].update(System="x"),
    "no user": lambda e: e["context"]["System"].pop("user"),
    "user null": lambda e: e["context"]["System"].update(user=None),
    "no device": lambda e: e["context"]["System"].pop("device"),
    "device a number": lambda e: e["context"]["System"].update(device=4),
    "no session": lambda e: e.pop("session"),
    "session null": lambda e: e.update(session=None),
    "session without application": lambda e: e["session"].pop("application"),
    "session user a list": lambda e: e["session"].update(user=[]),
}


@pytest.mark.parametrize("path", [fixtures.LAUNCH, fixtures.INTENT], ids=lambda p: p.stem)
@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_an_odd_envelope_gets_a_valid_answer_or_a_refusal(guarded, caplog, path, name):
    payload = load(path)
    MUTATIONS[name](payload)
    try:
        answer = guarded.respond(payload)
    except (BadEnvelope, SkillIdMismatch):  # both 400 over HTTP
        return
    assert answer["version"] == "1.0" and "response" in answer
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], name  # not the catch-all


def test_the_skill_id_is_checked_once_exactly(guarded):
    payload = load(fixtures.LAUNCH)
    payload["context"]["System"]["application"]["applicationId"] = fixtures.SKILL_ID.upper()
    with pytest.raises(SkillIdMismatch):
        guarded.respond(payload)
    assert guarded.sdk.skill_id is None  # ask-sdk's own check (the one that raised AttributeError) is off


# --- the deserializer: ask-sdk's documented model contract, held to ask-sdk's result -------------


def _sdk(payload: dict) -> RequestEnvelope:
    return DefaultSerializer().deserialize(json.dumps(payload), RequestEnvelope)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_the_deserializer_builds_what_ask_sdk_builds_from_the_fixtures(path):
    payload = load(path)
    ours, theirs = Serializer().deserialize(copy.deepcopy(payload), RequestEnvelope), _sdk(payload)
    assert ours.to_dict() == theirs.to_dict()  # every declared field, all the way down
    assert type(ours.request) is type(theirs.request) and type(ours.context.system) is type(theirs.context.system)
    assert Serializer().deserialize(json.dumps(payload), RequestEnvelope) == ours  # text too


@settings(max_examples=200, deadline=None)
@given(s.envelopes())
def test_the_deserializer_builds_what_ask_sdk_builds_from_any_envelope(payload):
    ours = Serializer().deserialize(copy.deepcopy(payload), RequestEnvelope)
    theirs = _sdk(payload)
    assert ours.to_dict() == theirs.to_dict()  # undeclared properties aside, which ours ignores
    assert type(ours.request) is type(theirs.request)
    assert envelope.user_id(ours) == envelope.read(payload).user_id  # one user rule, on dicts and models


def test_timestamps_are_read_as_aware_datetimes():
    payload = load(fixtures.LAUNCH)
    payload["request"]["timestamp"] = "2026-11-24T03:00:00Z"
    read = Serializer().deserialize(payload, RequestEnvelope).request.timestamp
    assert read == dt.datetime(2026, 11, 24, 3, tzinfo=dt.UTC)


# --- the request log: what the turn recorded ----------------------------------------------------


def test_the_log_line_names_what_a_sessionless_request_said(guarded, caplog):
    payload = load(fixtures.INTENT)
    payload.pop("session")
    payload["request"]["intent"] = {"name": "AMAZON.HelpIntent", "confirmationStatus": "NONE"}
    with caplog.at_level(logging.INFO, "cramp_coach.requests"):
        answer = guarded.respond(payload)
    assert "sessionAttributes" not in answer
    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "cramp_coach.requests"]
    assert line["keys"] == ["help.main"] and line["outcome"] == "ok" and line["intent"] == "AMAZON.HelpIntent"
