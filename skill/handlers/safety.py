"""Causes, when to see a doctor, and symptom triage with red-flag answers.

Long answers come in parts of about 20 seconds (content's length rule), each followed by
"want to hear more?": the emergency part of "when to see a doctor" always comes first.
"""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from content.schema import LOUD
from skill.handlers import stretch
from skill.handlers.base import UNKNOWN, IntentHandler, reply, session, slot, speaker

# The parts of each long answer, in the order they are said, and the card each part shows.
SERIES = {
    "doctor": (("doctor.emergency", "doctor.urgent", "doctor.routine"), "card.doctor"),
    "causes": (("causes.overview", "causes.detail"), "card.causes"),
}


def series(handler_input: HandlerInput, name: str, part: int = 0) -> Response:
    """Part ``part`` of a long answer; "want to hear more?" unless it is the last one."""
    say = speaker(handler_input)
    keys, card = SERIES[name]
    told = say.say(keys[part])
    if part + 1 < len(keys):
        session(handler_input).update(pending="more", series=name, part=part + 1)
        return reply(handler_input, told + say.say("more.offer"), say.say("more.reprompt"),
                     card=(say.say(card), told))
    if name == "causes":  # after the causes, offer when to see a doctor
        session(handler_input)["pending"] = "doctor"
        return reply(handler_input, told + say.say("causes.more"), say.say("causes.more"),
                     card=(say.say(card), told))
    return reply(handler_input, told, card=(say.say(card), told), end=True)


def next_part(handler_input: HandlerInput) -> Response | None:
    """Yes to "want to hear more?": the next part, if the echoed session still names one of ours."""
    attrs = session(handler_input)
    name, part = attrs.pop("series", None), attrs.pop("part", None)
    if name in SERIES and type(part) is int and 0 < part < len(SERIES[name][0]):
        return series(handler_input, name, part)
    return None


def see_doctor(handler_input: HandlerInput) -> Response:
    return series(handler_input, "doctor")


class CausesIntentHandler(IntentHandler):
    intent = "CausesIntent"

    def handle(self, handler_input):
        return series(handler_input, "causes")


class SeeDoctorIntentHandler(IntentHandler):
    intent = "SeeDoctorIntent"

    def handle(self, handler_input):
        return see_doctor(handler_input)


class SymptomCheckIntentHandler(IntentHandler):
    """Triage, at once, also in the middle of a guided stretch: a clot or emergency sign stops the
    routine for good; after any other answer the stretch can go on."""

    intent = "SymptomCheckIntent"

    def handle(self, handler_input):
        say = speaker(handler_input)
        symptom = slot(handler_input, "symptom")
        if symptom is None:
            session(handler_input)["pending"] = None
            return reply(handler_input, say.say("triage.ask"), say.say("triage.ask"))
        key = "triage.unknown" if symptom == UNKNOWN or symptom not in say.content.triage else f"triage.{symptom}"
        answer = say.say(key)
        card = (say.say("card.symptom"), answer)
        running = stretch.routine(handler_input)
        if running is None:
            return reply(handler_input, answer, card=card, end=True)
        if say.content.phrase(key).urgency in LOUD:
            stretch.finish(handler_input, pending=None)  # and not offered again later
            return reply(handler_input, answer, card=card, end=True)
        session(handler_input).update(pending="carry_on", routine=None,
                                      resume={"muscle": running["muscle"], "step": running["step"]})
        return reply(handler_input, answer + say.say("stretch.carry_on", muscle=running["muscle"]),
                     say.say("stretch.resume_reprompt"), card=card)
