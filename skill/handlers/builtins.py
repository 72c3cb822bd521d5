"""Amazon built-ins: help, stop, fallback, yes/no answers to the pending question, repeat, and
the requests that must be answered quietly."""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.utils import is_intent_name

from skill.handlers import safety, stretch, tips
from skill.handlers.base import IntentHandler, RequestTypeHandler, reply, session, speaker
from speech import Utterance

log = logging.getLogger(__name__)


class HelpIntentHandler(IntentHandler):
    intent = "AMAZON.HelpIntent"

    def handle(self, handler_input):
        say = speaker(handler_input)
        help_text = say.say("help.main")
        return reply(handler_input, help_text, say.say("help.reprompt"), card=(say.say("card.help"), help_text))


class StopCancelHandler(AbstractRequestHandler):
    intents = ("AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent")

    def can_handle(self, handler_input):
        return any(is_intent_name(name)(handler_input) for name in self.intents)

    def handle(self, handler_input):
        session(handler_input).update(routine=None, pending=None)
        return reply(handler_input, speaker(handler_input).say("goodbye.main"), end=True)


class YesIntentHandler(IntentHandler):
    intent = "AMAZON.YesIntent"

    def handle(self, handler_input):
        attrs, known = session(handler_input), speaker(handler_input).content
        pending = attrs.pop("pending", None)
        if pending == "stretch":
            # Session attributes come back from the client: only ids the content has are used.
            muscle = attrs.get("offer")
            muscle = muscle if isinstance(muscle, str) and muscle in known.muscles else stretch.DEFAULT_MUSCLE
            return stretch.start(handler_input, muscle, speaker(handler_input).say("stretch.intro", muscle=muscle))
        if pending == "easing":
            return stretch.easing(handler_input)
        if pending in ("resume", "carry_on") and (saved := stretch.offered_resume(handler_input)):
            return stretch.start(handler_input, saved["muscle"], speaker(handler_input).say("stretch.resume"),
                                 step=saved["step"])
        if pending == "more" and (answer := safety.next_part(handler_input)):
            return answer
        if pending in ("tip", "more_tip"):
            topic = attrs.get("topic")
            return tips.prevention_tip(handler_input, topic if isinstance(topic, str) and topic in known.topics else None)
        if pending == "doctor":
            return safety.see_doctor(handler_input)
        return fallback(handler_input)


class NoIntentHandler(IntentHandler):
    intent = "AMAZON.NoIntent"

    def handle(self, handler_input):
        attrs = session(handler_input)
        pending = attrs.pop("pending", None)
        if pending == "easing":
            return stretch.not_easing(handler_input)
        if pending == "resume" and (saved := stretch.offered_resume(handler_input)):
            muscle = saved["muscle"]
            return stretch.start(handler_input, muscle, speaker(handler_input).say("stretch.intro", muscle=muscle))
        if pending == "carry_on":  # no more stretching after the symptom answer: nothing to resume
            stretch.finish(handler_input)
        key = "goodbye.redflag" if pending == "stretch" else "goodbye.main"
        return reply(handler_input, speaker(handler_input).say(key), end=True)


class RepeatIntentHandler(IntentHandler):
    intent = "AMAZON.RepeatIntent"

    def handle(self, handler_input):
        last = session(handler_input).get("last")
        if not said_before(last):
            return fallback(handler_input)
        speech = Utterance.raw(last["ssml"], last["keys"])
        reprompt = Utterance.raw(last["reprompt"]) if last.get("reprompt") else None
        return reply(handler_input, speech, reprompt)


def said_before(last) -> bool:
    """Whether ``last`` is what reply() stores. Alexa echoes session attributes back, so any other
    shape (an older version's, a client's) counts as nothing said."""
    return (isinstance(last, dict) and isinstance(last.get("ssml"), str) and bool(last["ssml"])
            and isinstance(last.get("reprompt"), (str, type(None)))
            and isinstance(last.get("keys"), list) and all(isinstance(key, str) for key in last["keys"]))


def fallback(handler_input):
    say = speaker(handler_input)
    key = "fallback.in_stretch" if stretch.routine(handler_input) else "fallback.main"
    return reply(handler_input, say.say(key), say.say("fallback.reprompt"))


class FallbackIntentHandler(IntentHandler):
    intent = "AMAZON.FallbackIntent"

    def handle(self, handler_input):
        return fallback(handler_input)


class UnknownIntentHandler(RequestTypeHandler):
    """An intent this skill does not define (certification sends them): answer like a fallback."""

    request_type = "IntentRequest"

    def handle(self, handler_input):
        return fallback(handler_input)


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
