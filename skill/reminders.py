"""The bedtime reminder through Alexa's Reminders API (ask-sdk's ReminderManagementServiceClient):
one daily recurring reminder, created, moved or deleted in one call each, every failure sorted
into an Outcome the skill answers calmly. Never called on the mid-cramp path."""

from __future__ import annotations

import enum
import logging
import re
from typing import Any

from skill.turn import Turn

log = logging.getLogger("cramp_coach.reminders")

SCOPE = "alexa::alerts:reminders:skill:readwrite"
ASK_FOR = "AskFor"
TOKEN_PREFIX = "bedtime-reminder@"  # the AskFor token carries the time asked for, for the answer
_HHMM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
NAMED = {"NI": "22:00", "EV": "21:00"}  # AMAZON.TIME's night and evening
EVENING_FROM = 5  # "at nine" for a bedtime reminder means 9 p.m.: hours 5 to 11 are the evening ones


class Outcome(enum.Enum):
    OK = "ok"
    NO_PERMISSION = "no_permission"  # 401, 403
    GONE = "gone"  # 404: deleted in the Alexa app
    BUSY = "busy"  # 429
    FAILED = "failed"  # 5xx, timeouts, anything else


SAY = {Outcome.NO_PERMISSION: "reminder.no_permission", Outcome.GONE: "reminder.gone",
       Outcome.BUSY: "reminder.busy", Outcome.FAILED: "reminder.failed"}


def bedtime(value: str | None) -> str | None:
    """An AMAZON.TIME value as the evening time "HH:MM" it means, or None (morning, unknown)."""
    if not value:
        return None
    if value in NAMED:
        return NAMED[value]
    found = _HHMM.fullmatch(value.strip())
    if not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2))
    if EVENING_FROM <= hour < 12:
        hour += 12
    elif 12 <= hour < 12 + EVENING_FROM:  # noon to 5 p.m. is no bedtime
        return None
    return f"{hour:02d}:{minute:02d}"


def granted(t: Turn) -> bool:
    return SCOPE in t.facts.permissions or "*" in t.facts.permissions


def ask_for(t: Turn, hhmm: str) -> None:
    """Alexa asks the user for the reminders permission by voice; Connections.Response answers."""
    from ask_sdk_model.interfaces.connections import SendRequestDirective

    t.builder.add_directive(SendRequestDirective(name=ASK_FOR, token=TOKEN_PREFIX + hhmm, payload={
        "@type": "AskForPermissionsConsentRequest", "@version": "2",
        "permissionScopes": [{"permissionScope": SCOPE, "consentLevel": "ACCOUNT"}]}))


def asked_time(token: str | None) -> str | None:
    hhmm = token[len(TOKEN_PREFIX):] if isinstance(token, str) and token.startswith(TOKEN_PREFIX) else None
    return hhmm if hhmm and _HHMM.fullmatch(hhmm) else None


def _request(t: Turn, hhmm: str):
    from ask_sdk_model.services.reminder_management import (
        AlertInfo, PushNotification, PushNotificationStatus, Recurrence, ReminderRequest, SpokenInfo, SpokenText,
        Trigger, TriggerType)

    hour, minute = hhmm.split(":")
    stamp = (t.facts.timestamp.replace(tzinfo=None, microsecond=0).isoformat() if t.facts.timestamp else None)
    start = (stamp[:10] if stamp else "2000-01-01") + f"T{hhmm}:00"
    text = t.speaker.say("reminder.text").text
    zone = t.session.clock.zone  # the device's zone when known; else the Reminders API uses the device's own
    return ReminderRequest(
        request_time=stamp,
        trigger=Trigger(object_type=TriggerType.SCHEDULED_ABSOLUTE, time_zone_id=zone, recurrence=Recurrence(
            start_date_time=start, recurrence_rules=[f"FREQ=DAILY;BYHOUR={int(hour)};BYMINUTE={int(minute)};BYSECOND=0"])),
        alert_info=AlertInfo(spoken_info=SpokenInfo(content=[SpokenText(locale=t.content.locale, text=text)])),
        push_notification=PushNotification(status=PushNotificationStatus.ENABLED))


def _call(t: Turn, what: str, operation) -> tuple[Outcome, Any]:
    try:
        client = t.handler_input.service_client_factory.get_reminder_management_service()
        return Outcome.OK, operation(client)
    except Exception as exc:  # noqa: BLE001 - the SDK wraps transport errors in ServiceException too
        status = getattr(exc, "status_code", None)
        outcome = (Outcome.NO_PERMISSION if status in (401, 403) else Outcome.GONE if status == 404
                   else Outcome.BUSY if status == 429 else Outcome.FAILED)
        log.warning('{"reminders": "%s failed", "status": %s, "outcome": "%s"}', what, status or "null", outcome.value)
        return outcome, None


def create(t: Turn, hhmm: str) -> tuple[Outcome, str | None]:
    outcome, made = _call(t, "create", lambda client: client.create_reminder(_request(t, hhmm)))
    token = getattr(made, "alert_token", None)
    if outcome is Outcome.OK and not (isinstance(token, str) and token):
        return Outcome.FAILED, None  # an answer without an id: nothing we could ever change or cancel
    return outcome, token


def update(t: Turn, alert_token: str, hhmm: str) -> Outcome:
    return _call(t, "update", lambda client: client.update_reminder(alert_token, _request(t, hhmm)))[0]


def delete(t: Turn, alert_token: str) -> Outcome:
    return _call(t, "delete", lambda client: client.delete_reminder(alert_token))[0]
