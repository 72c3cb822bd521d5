"""The bedtime reminder, with consent: set, change and cancel it by voice; ask for the reminders
permission by voice (Connections.SendRequest AskFor) and take Alexa's answer to it.

Offered once after a bedtime tip, never during a cramp or a stretch. Every Reminders API failure
is answered calmly from content, and memory only changes when the API call succeeded.
"""

from __future__ import annotations

from ask_sdk_model import Response

from skill import reminders
from skill.handlers.base import IntentHandler, RequestTypeHandler, reply, slot, slot_value
from skill.reminders import Outcome
from skill.turn import Turn, Waiting

ACTIONS = ("change", "cancel")


def spoken_time(t: Turn, hhmm: str) -> str:
    """"22:30" as the locale says a clock time ("10:30 p.m.")."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    clock = f"{(hour - 1) % 12 + 1}" + (f":{minute:02d}" if minute else "")
    return t.speaker.say("reminder.clock_pm" if hour >= 12 else "reminder.clock_am", clock=clock).text


def ask_time(t: Turn) -> Response:
    t.session.waiting = None
    return reply(t, t.speaker.say("reminder.ask_time"), t.speaker.say("reminder.ask_time_reprompt"))


def set_at(t: Turn, hhmm: str) -> Response:
    """Create the nightly reminder, or move the one we made; permission first."""
    say = t.speaker
    if not reminders.granted(t):
        reminders.ask_for(t, hhmm)
        return reply(t, say.say("reminder.permission"), end=True)
    existing = t.memory.reminder
    if existing:
        outcome = reminders.update(t, existing["id"], hhmm)
        if outcome is Outcome.OK:
            t.memory.reminder = {"id": existing["id"], "time": hhmm}
            return confirm(t, "reminder.changed", hhmm)
        if outcome is Outcome.GONE:
            t.memory.reminder = None  # deleted in the Alexa app: there is nothing left to change
        return failed(t, outcome)
    outcome, alert_token = reminders.create(t, hhmm)
    if outcome is not Outcome.OK:
        return failed(t, outcome)
    t.memory.reminder = {"id": alert_token, "time": hhmm}
    return confirm(t, "reminder.created", hhmm)


def confirm(t: Turn, key: str, hhmm: str) -> Response:
    say, spoken = t.speaker, spoken_time(t, hhmm)
    told = say.say(key, time=spoken)
    return reply(t, told, card=(say.say("card.reminder"), told), end=True)


def failed(t: Turn, outcome: Outcome) -> Response:
    if outcome is Outcome.NO_PERMISSION:
        from ask_sdk_model.ui import AskForPermissionsConsentCard

        t.builder.set_card(AskForPermissionsConsentCard(permissions=[reminders.SCOPE]))
    return reply(t, t.speaker.say(reminders.SAY[outcome]), end=True)


def cancel(t: Turn) -> Response:
    existing = t.memory.reminder
    if not existing:
        return reply(t, t.speaker.say("reminder.none"), end=True)
    outcome = reminders.delete(t, existing["id"])
    if outcome in (Outcome.OK, Outcome.GONE):  # gone already: what the user wanted
        t.memory.reminder = None
        return reply(t, t.speaker.say("reminder.cancelled"), end=True)
    return failed(t, outcome)


def forget(t: Turn) -> bool:
    """Forget me: delete the reminder too. True when one was deleted (or was already gone)."""
    existing = t.memory.reminder
    return bool(existing) and reminders.delete(t, existing["id"]) in (Outcome.OK, Outcome.GONE)


def offer(t: Turn) -> bool:
    """Whether to offer the nightly reminder after a bedtime tip: once per user, never mid-routine."""
    if t.memory.reminder or t.memory.reminder_offered or t.session.routine is not None or not t.memory.user:
        return False
    t.memory.reminder_offered = True
    t.session.waiting = Waiting.REMINDER
    return True


class BedtimeReminderIntentHandler(IntentHandler):
    intent = "BedtimeReminderIntent"

    def answer(self, t):
        if t.session.routine is not None:  # never during a cramp: the stretch carries on
            return reply(t, t.speaker.say("reminder.later"), t.speaker.say("stretch.reprompt"))
        action = slot(t, "reminder", ACTIONS)
        if action == "cancel":
            return cancel(t)
        said = slot_value(t, "time")
        if not said:
            return ask_time(t)
        hhmm = reminders.bedtime(said)
        if hhmm is None:
            return reply(t, t.speaker.say("reminder.bad_time"), t.speaker.say("reminder.ask_time_reprompt"))
        return set_at(t, hhmm)


class PermissionAnswerHandler(RequestTypeHandler):
    """Alexa's answer to our AskFor: ACCEPTED (set it now), DENIED or NOT_ANSWERED."""

    request_type = "Connections.Response"

    def can_handle(self, handler_input):
        return (super().can_handle(handler_input)
                and getattr(handler_input.request_envelope.request, "name", None) == reminders.ASK_FOR)

    def answer(self, t):
        request = t.handler_input.request_envelope.request
        status = (request.payload or {}).get("status") if isinstance(request.payload, dict) else None
        hhmm = reminders.asked_time(request.token)
        if status == "ACCEPTED" and hhmm:
            return set_at(t, hhmm) if reminders.granted(t) else failed(t, Outcome.NO_PERMISSION)
        if status == "DENIED":
            return reply(t, t.speaker.say("reminder.denied"), end=True)
        return reply(t, t.speaker.say("reminder.not_answered"), end=True)
