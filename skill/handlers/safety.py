"""Causes, when to see a doctor, and symptom triage with red-flag answers.

Long answers come in parts of about 20 seconds (content's length rule), each followed by
"want to hear more?": the emergency part of "when to see a doctor" always comes first.
"""

from __future__ import annotations

from ask_sdk_model import Response

from content.schema import LOUD
from skill.handlers import stretch
from skill.handlers.base import UNKNOWN, IntentHandler, reply, slot
from skill.turn import Place, Turn, Waiting

# The parts of each long answer, in the order they are said, and the card each part shows.
SERIES = {
    "doctor": (("doctor.emergency", "doctor.urgent", "doctor.routine"), "card.doctor"),
    "causes": (("causes.overview", "causes.detail"), "card.causes"),
}


def series(t: Turn, name: str, part: int = 0) -> Response:
    """Part ``part`` of a long answer; "want to hear more?" unless it is the last one."""
    say = t.speaker
    keys, card = SERIES[name]
    told = say.say(keys[part])
    if part + 1 < len(keys):
        t.session.waiting, t.session.series = Waiting.MORE, (name, part + 1)
        return reply(t, told + say.say("more.offer"), say.say("more.reprompt"), card=(say.say(card), told))
    t.session.series = None
    if name == "causes":  # after the causes, offer when to see a doctor
        t.session.waiting = Waiting.DOCTOR
        return reply(t, told + say.say("causes.more"), say.say("causes.more"), card=(say.say(card), told))
    return reply(t, told, card=(say.say(card), told), end=True)


def next_part(t: Turn) -> Response | None:
    """Yes to "want to hear more?": the next part, if the echoed session still names one of ours."""
    found = t.session.series
    if found and found[0] in SERIES and found[1] < len(SERIES[found[0]][0]):
        return series(t, *found)
    return None


def see_doctor(t: Turn) -> Response:
    return series(t, "doctor")


class CausesIntentHandler(IntentHandler):
    intent = "CausesIntent"

    def answer(self, t):
        return series(t, "causes")


class SeeDoctorIntentHandler(IntentHandler):
    intent = "SeeDoctorIntent"

    def answer(self, t):
        return see_doctor(t)


class SymptomCheckIntentHandler(IntentHandler):
    """Triage, at once, also in the middle of a guided stretch: a clot or emergency sign stops the
    routine for good; after any other answer the stretch can go on."""

    intent = "SymptomCheckIntent"

    def answer(self, t):
        say = t.speaker
        symptom = slot(t, "symptom")
        if symptom is None:
            t.session.waiting = None
            return reply(t, say.say("triage.ask"), say.say("triage.ask"))
        key = "triage.unknown" if symptom == UNKNOWN or symptom not in say.content.triage else f"triage.{symptom}"
        answer = say.say(key)
        card = (say.say("card.symptom"), answer)
        running = t.session.routine
        if running is None:
            return reply(t, answer, card=card, end=True)
        if say.content.phrase(key).urgency in LOUD:
            stretch.finish(t)  # and not offered again later
            return reply(t, answer, card=card, end=True)
        t.session.routine, t.session.waiting = None, Waiting.CARRY_ON
        t.session.resume = Place(running.muscle, running.step)
        return reply(t, answer + say.say("stretch.carry_on", muscle=running.muscle),
                     say.say("stretch.resume_reprompt"), card=card)
