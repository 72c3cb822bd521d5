"""Causes, when to see a doctor, and symptom triage with red-flag answers."""

from __future__ import annotations

from skill.handlers.base import UNKNOWN, IntentHandler, reply, session, slot, speaker


class CausesIntentHandler(IntentHandler):
    intent = "CausesIntent"

    def handle(self, handler_input):
        say = speaker(handler_input)
        overview = say.say("causes.overview")
        session(handler_input)["pending"] = "doctor"
        return reply(handler_input, overview + say.say("causes.more"), say.say("causes.more"),
                     card=(say.say("card.causes"), overview))


def see_doctor(handler_input):
    say = speaker(handler_input)
    advice = say.say("doctor.when")
    return reply(handler_input, advice, card=(say.say("card.doctor"), advice), end=True)


class SeeDoctorIntentHandler(IntentHandler):
    intent = "SeeDoctorIntent"

    def handle(self, handler_input):
        return see_doctor(handler_input)


class SymptomCheckIntentHandler(IntentHandler):
    intent = "SymptomCheckIntent"

    def handle(self, handler_input):
        say = speaker(handler_input)
        symptom = slot(handler_input, "symptom")
        if symptom is None:
            session(handler_input)["pending"] = None
            return reply(handler_input, say.say("triage.ask"), say.say("triage.ask"))
        key = "triage.unknown" if symptom == UNKNOWN or symptom not in say.content.triage else f"triage.{symptom}"
        answer = say.say(key)
        return reply(handler_input, answer, card=(say.say("card.symptom"), answer), end=True)
