"""Mid-cramp relief: the launch and CrampNowIntent answer with the action in the first sentence."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.handlers.base import UNKNOWN, IntentHandler, RequestTypeHandler, reply, session, slot, speaker
from skill.handlers.stretch import DEFAULT_MUSCLE
from speech import Utterance


def relieve(handler_input: HandlerInput, muscle: str, offer: Utterance, reprompt: Utterance) -> Response:
    """The relief move first, then one short question; a yes starts the guided stretch."""
    say = speaker(handler_input)
    relief = say.say("relief.unknown" if muscle == UNKNOWN else f"relief.{muscle}")
    shown = DEFAULT_MUSCLE if muscle == UNKNOWN else muscle
    session(handler_input).update(pending="stretch", offer=shown)
    return reply(handler_input, relief + offer, reprompt, card=(say.say("card.relief", muscle=shown), relief))


class LaunchRequestHandler(RequestTypeHandler):
    request_type = "LaunchRequest"

    def handle(self, handler_input):
        say = speaker(handler_input)
        return relieve(handler_input, DEFAULT_MUSCLE, say.say("launch.offer"), say.say("launch.reprompt"))


class CrampNowIntentHandler(IntentHandler):
    intent = "CrampNowIntent"

    def handle(self, handler_input):
        say = speaker(handler_input)
        muscle = slot(handler_input, "muscle", say.content.muscles) or DEFAULT_MUSCLE
        offered = DEFAULT_MUSCLE if muscle == UNKNOWN else muscle
        return relieve(handler_input, muscle, say.say("relief.offer_stretch", muscle=offered),
                       say.say("relief.offer_reprompt", muscle=offered))
