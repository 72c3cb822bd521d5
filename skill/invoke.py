"""One envelope in, one response out: what every door (HTTPS, Lambda, the local tools) calls.

The envelope's facts are read once (skill.envelope), the skill id is checked once, by one rule,
before the SDK sees the request, and one structured log line is written whatever the outcome.
"""

from __future__ import annotations

import time
from typing import Any

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope

from skill import envelope, logs
from skill.turn import Call


class SkillIdMismatch(ValueError):
    """The request names another skill than the one configured."""


class BadEnvelope(ValueError):
    """The JSON is not a request envelope the skill can read."""


class Skill:
    """The built skill: ask-sdk's CustomSkill (which checks no skill id itself) and ours."""

    def __init__(self, sdk: CustomSkill, skill_id: str | None, plain: CustomSkill | None = None):
        self.sdk = sdk
        self.plain = plain or sdk  # the same skill without Alexa's API client
        self.skill_id = skill_id
        self.serializer = sdk.serializer

    def respond(self, payload: Any, context: Any = None) -> dict[str, Any]:
        """Answer one request envelope (parsed JSON) with a response envelope (JSON-ready)."""
        started = time.perf_counter()
        facts = envelope.read(payload)
        call = Call(facts, context)
        outcome = None
        try:
            if facts.problem is not None:
                outcome = "bad-envelope"
                raise BadEnvelope(facts.problem)
            if self.skill_id is not None and facts.application_id != self.skill_id:
                outcome = "skill-id"
                raise SkillIdMismatch("the request is for another skill")
            try:
                model = self.serializer.deserialize(payload, RequestEnvelope)
            except (SerializationException, RecursionError) as exc:
                outcome = "bad-envelope"
                raise BadEnvelope(str(exc)) from exc
            try:
                system = getattr(model.context, "system", None)
                sdk = self.sdk if system is not None else self.plain
                return self.serializer.serialize(sdk.invoke(request_envelope=model, context=call))
            except RecursionError as exc:
                # JSON nested deeper than the stack allows (the SDK deep-copies session attributes):
                # no Alexa request looks like that.
                outcome = "bad-envelope"
                raise BadEnvelope("the envelope is nested too deeply") from exc
        except Exception:
            outcome = outcome or "exception"
            raise
        finally:
            logs.request_line(facts, outcome or call.record.outcome, call.record.said,
                              time.perf_counter() - started)


def respond(skill: Skill, payload: Any, context: Any = None) -> dict[str, Any]:
    return skill.respond(payload, context)
