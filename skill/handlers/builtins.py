"""Amazon built-ins: help, stop, fallback, yes/no answers to what the skill is waiting for, repeat,
and the requests that must be answered quietly."""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestHandler

from skill.handlers import reminders, safety, stretch, tips
from skill.handlers.base import IntentHandler, IntentsHandler, RequestTypeHandler, reply
from skill.turn import Turn, Waiting
from speech import Utterance

log = logging.getLogger(__name__)


class HelpIntentHandler(IntentHandler):
    intent = "AMAZON.HelpIntent"

    def answer(self, t):
        help_text = t.speaker.say("help.main")
        return reply(t, help_text, t.speaker.say("help.reprompt"), card=(t.speaker.say("card.help"), help_text))


class StopCancelHandler(IntentsHandler):
    intents = ("AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent")

    def answer(self, t):
        t.session.clear()
        return reply(t, t.speaker.say("goodbye.main"), end=True)


class YesIntentHandler(IntentHandler):
    intent = "AMAZON.YesIntent"

    def answer(self, t):
        say, waiting = t.speaker, t.session.waiting
        t.session.waiting = None
        if waiting is Waiting.STRETCH:
            muscle = t.session.offer or stretch.DEFAULT_MUSCLE
            return stretch.start(t, muscle, say.say("stretch.intro", muscle=muscle))
        if waiting is Waiting.EASING:
            return stretch.easing(t)
        if waiting in (Waiting.RESUME, Waiting.CARRY_ON) and (place := t.session.resume):
            t.session.resume = None
            return stretch.start(t, place.muscle, say.say("stretch.resume"), step=place.step)
        if waiting is Waiting.MORE and (answer := safety.next_part(t)):
            return answer
        if waiting is Waiting.TIP:
            return tips.prevention_tip(t, t.session.topic)
        if waiting is Waiting.DOCTOR:
            return safety.see_doctor(t)
        if waiting is Waiting.REMINDER:
            return reminders.ask_time(t)
        return fallback(t)


class NoIntentHandler(IntentHandler):
    intent = "AMAZON.NoIntent"

    def answer(self, t):
        waiting = t.session.waiting
        t.session.waiting = None
        if waiting is Waiting.EASING:
            return stretch.not_easing(t)
        if waiting is Waiting.RESUME and (place := t.session.resume):  # no: start it again instead
            t.session.resume = None
            return stretch.start(t, place.muscle, t.speaker.say("stretch.intro", muscle=place.muscle))
        if waiting is Waiting.CARRY_ON:  # no more stretching after the symptom answer: nothing to resume
            t.session.resume = None
            stretch.finish(t)
        key = "goodbye.redflag" if waiting is Waiting.STRETCH else "goodbye.main"
        return reply(t, t.speaker.say(key), end=True)


class RepeatIntentHandler(IntentHandler):
    intent = "AMAZON.RepeatIntent"

    def answer(self, t):
        last = t.session.last
        if last is None:
            return fallback(t)
        reprompt = Utterance.raw(last.reprompt) if last.reprompt else None
        return reply(t, Utterance.raw(last.ssml, last.keys), reprompt)


def fallback(t: Turn):
    key = "fallback.in_stretch" if t.session.routine else "fallback.main"
    return reply(t, t.speaker.say(key), t.speaker.say("fallback.reprompt"))


class FallbackIntentHandler(IntentHandler):
    intent = "AMAZON.FallbackIntent"

    def answer(self, t):
        return fallback(t)


class UnknownIntentHandler(RequestTypeHandler):
    """An intent this skill does not define (certification sends them): answer like a fallback."""

    request_type = "IntentRequest"

    def answer(self, t):
        return fallback(t)


class SessionEndedRequestHandler(RequestTypeHandler):
    request_type = "SessionEndedRequest"

    def handle(self, handler_input):
        request = handler_input.request_envelope.request
        if request.error is not None:
            log.warning("session ended with error %s: %s", request.error.object_type, request.error.message)
        return handler_input.response_builder.response


class ExceptionEncounteredHandler(RequestTypeHandler):
    """Alexa reports that our last response was rejected; it must not be answered with speech."""

    request_type = "System.ExceptionEncountered"

    def handle(self, handler_input):
        error = handler_input.request_envelope.request.error
        log.error("Alexa rejected a response: %s %s", getattr(error, "object_type", None),
                  getattr(error, "message", None))
        return handler_input.response_builder.response


class SilentRequestHandler(AbstractRequestHandler):
    """Any request type this skill does not know: an empty response, never an error."""

    def can_handle(self, handler_input):
        return True

    def handle(self, handler_input):
        return handler_input.response_builder.response
