"""Mid-cramp relief: the launch and CrampNowIntent answer with the action in the first sentence."""

from __future__ import annotations

from ask_sdk_model import Response

from skill import screens
from skill.handlers.base import UNKNOWN, IntentHandler, RequestTypeHandler, reply, slot
from skill.handlers.stretch import DEFAULT_MUSCLE
from skill.turn import Turn, Waiting
from speech import Utterance


def relieve(t: Turn, muscle: str, offer: Utterance, reprompt: Utterance) -> Response:
    """The relief move first, then one short question; a yes starts the guided stretch."""
    say = t.speaker
    relief = say.say("relief.unknown" if muscle == UNKNOWN else f"relief.{muscle}")
    shown = DEFAULT_MUSCLE if muscle == UNKNOWN else muscle
    t.session.waiting, t.session.offer = Waiting.STRETCH, shown
    screens.show_relief(t, shown, relief.text)  # on a screen: the move in large text, and its drawing
    return reply(t, relief + offer, reprompt, card=(say.say("card.relief", muscle=shown), relief))


class LaunchRequestHandler(RequestTypeHandler):
    request_type = "LaunchRequest"

    def answer(self, t):
        return relieve(t, DEFAULT_MUSCLE, t.speaker.say("launch.offer"), t.speaker.say("launch.reprompt"))


class CrampNowIntentHandler(IntentHandler):
    intent = "CrampNowIntent"

    def answer(self, t):
        say = t.speaker
        muscle = slot(t, "muscle", say.content.muscles) or DEFAULT_MUSCLE
        offered = DEFAULT_MUSCLE if muscle == UNKNOWN else muscle
        return relieve(t, muscle, say.say("relief.offer_stretch", muscle=offered),
                       say.say("relief.offer_reprompt", muscle=offered))
