"""What the user asks us to remember or forget: the quiet voice and their stored record."""

from __future__ import annotations

from skill.handlers.base import UNKNOWN, IntentHandler, reply, slot

ANSWERS = {"whisper": "quiet.on", "normal": "quiet.off", "auto": "quiet.auto"}  # mode id -> content key


class QuietModeIntentHandler(IntentHandler):
    intent = "QuietModeIntent"

    def answer(self, t):
        mode = slot(t, "mode", ANSWERS)
        if mode in (None, UNKNOWN):
            return reply(t, t.speaker.say("quiet.unknown"), t.speaker.say("fallback.reprompt"))
        t.night.choose(t, None if mode == "auto" else mode)  # this answer already in the chosen voice
        return reply(t, t.speaker.say(ANSWERS[mode]), end=True)


class ForgetMeIntentHandler(IntentHandler):
    intent = "ForgetMeIntent"

    def answer(self, t):
        from skill.handlers import reminders

        reminder_gone = reminders.forget(t)  # the reminder we set goes too (its id is in the memory)
        forgotten = t.memory.forget()
        t.night.forget(t)
        t.session.forget()
        said = t.speaker.say("forget.done" if forgotten else "forget.failed")
        return reply(t, said + t.speaker.say("reminder.forgotten") if reminder_gone else said, end=True)
