"""Prevention and bedtime tips, never repeating one (in this session or, from memory, an earlier
one) until all have been heard."""

from __future__ import annotations

from ask_sdk_model import Response

from skill.handlers import player, reminders
from skill.handlers.base import UNKNOWN, IntentHandler, reply, slot
from skill.turn import Turn, Waiting
from speech import Utterance


def tip(t: Turn, topic: str | None = None, bedtime: bool = False) -> Utterance:
    """Choose a tip not heard before, remember it, and return it spoken."""
    heard = t.session.tips_heard
    if heard is None:
        heard = t.memory.tips_heard
    chosen, heard = t.speaker.choose_tip(heard, topic=topic, bedtime=bedtime)
    t.session.tips_heard = t.memory.tips_heard = heard
    return t.speaker.say(f"tip.{chosen.id}")


def prevention_tip(t: Turn, topic: str | None = None) -> Response:
    say = t.speaker
    if topic == UNKNOWN:
        lead, topic = say.say("tip.unknown_topic"), None
    elif topic:
        lead = say.say("tip.intro_topic", topic=topic)
    else:
        lead = say.say("tip.intro")
    told = tip(t, topic)
    t.session.waiting, t.session.topic = Waiting.TIP, topic
    return reply(t, lead + told + say.say("tip.more"), say.say("tip.more_reprompt"), card=(say.say("card.tip"), told))


class PreventionTipIntentHandler(IntentHandler):
    intent = "PreventionTipIntent"

    def answer(self, t):
        return prevention_tip(t, slot(t, "topic", t.content.topics))


class BedtimeTipIntentHandler(IntentHandler):
    intent = "BedtimeTipIntent"

    def answer(self, t):
        say = t.speaker
        told = tip(t, bedtime=True)
        # The pre-rendered track (this tip, then a gentle calf stretch) where the device can play it.
        if player.play_bedtime(t, told.keys[0].removeprefix("tip.")):
            return reply(t, say.say("bedtime.track_intro"), card=(say.say("card.tip"), told), end=True)
        if reminders.offer(t):  # once: a nightly reminder to stretch, with the user's consent
            return reply(t, say.say("bedtime.intro") + told + say.say("reminder.offer"),
                         say.say("reminder.offer_reprompt"), card=(say.say("card.tip"), told))
        return reply(t, say.say("bedtime.intro") + told + say.say("bedtime.close"),
                     card=(say.say("card.tip"), told), end=True)
