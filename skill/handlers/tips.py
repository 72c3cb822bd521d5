"""Prevention and bedtime tips, never repeating one within a session until all have been heard."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.handlers import player
from skill.handlers.base import UNKNOWN, IntentHandler, reply, session, slot, speaker
from skill.memory import memory
from speech import Utterance


def tip(handler_input: HandlerInput, topic: str | None = None, bedtime: bool = False) -> Utterance:
    """Choose a tip not heard before (in this session or, from memory, an earlier one),
    remember it, and return it spoken."""
    attrs, remembered = session(handler_input), memory(handler_input)
    heard = attrs.get("tips_heard")
    if not (isinstance(heard, list) and all(isinstance(tip_id, str) for tip_id in heard)):
        heard = remembered.tips_heard  # Alexa echoes session attributes back: any other shape is not ours
    chosen, heard = speaker(handler_input).choose_tip(heard, topic=topic, bedtime=bedtime)
    attrs["tips_heard"] = remembered.tips_heard = heard
    return speaker(handler_input).say(f"tip.{chosen.id}")


def prevention_tip(handler_input: HandlerInput, topic: str | None = None) -> Response:
    say = speaker(handler_input)
    if topic == UNKNOWN:
        lead, topic = say.say("tip.unknown_topic"), None
    elif topic:
        lead = say.say("tip.intro_topic", topic=topic)
    else:
        lead = say.say("tip.intro")
    told = tip(handler_input, topic)
    session(handler_input)["pending"] = "more_tip"
    session(handler_input)["topic"] = topic
    return reply(handler_input, lead + told + say.say("tip.more"), say.say("tip.more_reprompt"),
                 card=(say.say("card.tip"), told))


class PreventionTipIntentHandler(IntentHandler):
    intent = "PreventionTipIntent"

    def handle(self, handler_input):
        return prevention_tip(handler_input, slot(handler_input, "topic", speaker(handler_input).content.topics))


class BedtimeTipIntentHandler(IntentHandler):
    intent = "BedtimeTipIntent"

    def handle(self, handler_input):
        say = speaker(handler_input)
        told = tip(handler_input, bedtime=True)
        # The pre-rendered track (this tip, then a gentle calf stretch) where the device can play it.
        if player.play_bedtime(handler_input, told.keys[0].removeprefix("tip.")):
            return reply(handler_input, say.say("bedtime.track_intro"), card=(say.say("card.tip"), told), end=True)
        return reply(handler_input, say.say("bedtime.intro") + told + say.say("bedtime.close"),
                     card=(say.say("card.tip"), told), end=True)
