"""What the user asks us to remember or forget: the quiet voice and their stored record."""

from __future__ import annotations

from skill.handlers.base import UNKNOWN, IntentHandler, reply, session, slot, speaker
from skill.memory import memory

ANSWERS = {"whisper": "quiet.on", "normal": "quiet.off", "auto": "quiet.auto"}  # mode id -> content key


class QuietModeIntentHandler(IntentHandler):
    intent = "QuietModeIntent"

    def handle(self, handler_input):
        say = speaker(handler_input)
        mode = slot(handler_input, "mode", ANSWERS)
        if mode in (None, UNKNOWN):
            return reply(handler_input, say.say("quiet.unknown"), say.say("fallback.reprompt"))
        memory(handler_input).voice = None if mode == "auto" else mode
        if mode != "auto":  # this answer already in the chosen voice
            handler_input.attributes_manager.request_attributes["night"] = mode == "whisper"
        return reply(handler_input, say.say(ANSWERS[mode]), end=True)


class ForgetMeIntentHandler(IntentHandler):
    intent = "ForgetMeIntent"

    def handle(self, handler_input):
        forgotten = memory(handler_input).forget()
        for name in ("tips_heard", "routine", "resume", "pending", "offer", "topic"):
            session(handler_input).pop(name, None)
        return reply(handler_input, speaker(handler_input).say("forget.done" if forgotten else "forget.failed"),
                     end=True)
