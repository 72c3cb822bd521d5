"""One structured line per request: request id, type, intent, outcome, latency; no user id in
clear and no utterance text."""

from __future__ import annotations

import json
import logging

import pytest

from skill.invoke import SkillIdMismatch, respond
from tests import fixtures
from tests.envelopes import Unknown, intent, load


@pytest.fixture
def lines(caplog):
    caplog.set_level(logging.INFO, logger="cramp_coach.requests")

    def read():
        return [json.loads(r.message) for r in caplog.records if r.name == "cramp_coach.requests"]
    return read


def test_one_line_per_request_with_the_fields(skill, lines):
    respond(skill, load(fixtures.LAUNCH))
    respond(skill, intent("CrampNowIntent", muscle="foot"))
    first, second = lines()
    assert first["type"] == "LaunchRequest" and first["outcome"] == "ok" and first["latency_ms"] >= 0
    assert first["request_id"] == "amzn1.echo-api.request.0000-launch"
    assert second["intent"] == "CrampNowIntent" and second["keys"][0] == "relief.foot"


def test_user_ids_are_hashed_and_utterances_absent(skill, lines, caplog):
    respond(skill, intent("CrampNowIntent", muscle=Unknown("my left elbow hurts")))
    (line,) = lines()
    assert line["user"] and len(line["user"]) == 16
    assert "TESTUSER" not in caplog.text and "elbow" not in caplog.text


def test_handler_failure_is_logged_as_error_with_one_traceback(skill, lines, caplog):
    envelope = intent("AMAZON.NextIntent", {"routine": {"muscle": "elbow", "step": 1, "round": 1}})
    respond(skill, envelope)
    assert lines()[0]["outcome"] == "error"
    assert sum(1 for r in caplog.records if r.exc_info) == 1


def test_refused_requests_are_logged_too(skill, lines):
    envelope = intent("AMAZON.HelpIntent")
    envelope["context"]["System"]["application"]["applicationId"] = "amzn1.ask.skill.other"
    with pytest.raises(SkillIdMismatch):
        respond(skill, envelope)
    assert lines()[0]["outcome"] == "skill-id"


def test_http_rejections_are_structured(client, caplog):
    caplog.set_level(logging.WARNING, logger="cramp_coach.requests")
    client.post("/alexa", data=b"{", content_type="application/json")
    (record,) = [r for r in caplog.records if r.name == "cramp_coach.requests"]
    assert json.loads(record.message) == {"outcome": "rejected", "reason": "body", "status": 400}


def test_quiet_when_the_level_is_warning(skill, caplog):
    caplog.set_level(logging.WARNING, logger="cramp_coach.requests")
    respond(skill, load(fixtures.LAUNCH))
    assert not [r for r in caplog.records if r.name == "cramp_coach.requests"]
