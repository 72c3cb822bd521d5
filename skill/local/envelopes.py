"""Request envelopes as Alexa would send them from one local device, and that device's clock.

The device has a fixed time zone (this machine's, or UTC) that the night rules learn from a local
provider instead of the Alexa Settings API, so nothing here reaches the network.
"""

from __future__ import annotations

import datetime as dt
import enum
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from skill.devicetime import Zones, zone_info

LOCAL_SKILL_ID = "amzn1.ask.skill.cramp-coach-local"
LOCAL_USER = "amzn1.ask.account.CRAMP-COACH-LOCAL"
LOCAL_DEVICE = "amzn1.ask.device.CRAMP-COACH-LOCAL"


class Device(enum.Enum):
    """The kinds of device a local surface can pretend to be, by what they support."""

    SPEAKER = "speaker"
    SCREEN = "screen"
    AUDIO_PLAYER = "audio-player"

    @property
    def interfaces(self) -> dict[str, Any]:
        if self is Device.SCREEN:
            return {"Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.3"}}}
        if self is Device.AUDIO_PLAYER:
            return {"AudioPlayer": {}}
        return {}


def machine_zone(localtime: Path = Path("/etc/localtime")) -> str:
    """This machine's IANA zone name (from the /etc/localtime link), or UTC when it has none."""
    try:
        target = localtime.resolve().as_posix()
    except OSError:
        return "UTC"
    name = target.partition("/zoneinfo/")[2]
    return name if zone_info(name) is not None else "UTC"


class DeviceZone(Zones):
    """The one local device's zone, known without asking the Settings API (never any I/O)."""

    def __init__(self, zone: str):
        super().__init__(size=1)
        self.zone = zone

    def known(self, device_key: str) -> str | None:
        return self.zone

    def lookup(self, endpoint, device_id, token) -> str | None:
        return self.zone

    def prefetch(self, endpoint, device_id, token) -> None:
        return None


class DeviceClock:
    """The device's local time: now, or a chosen time of day (``at``) from which it runs on."""

    def __init__(self, zone: str, at: dt.time | None = None, monotonic: Callable[[], float] = time.monotonic):
        self.zone = zone
        self.monotonic = monotonic
        self.set(at)

    def set(self, at: dt.time | None) -> None:
        self.at = at
        self._anchor, self._started = None, self.monotonic()
        if at is not None:
            today = dt.datetime.now(zone_info(self.zone)).date()
            self._anchor = dt.datetime.combine(today, at, tzinfo=zone_info(self.zone)).astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        """The moment in UTC, as the request timestamp carries it."""
        if self._anchor is None:
            return dt.datetime.now(dt.UTC)
        return self._anchor + dt.timedelta(seconds=self.monotonic() - self._started)


def envelope(request: dict[str, Any], *, locale: str, device: Device, timestamp: dt.datetime,
             session_id: str, new: bool, attributes: dict[str, Any], skill_id: str) -> dict[str, Any]:
    """A full request envelope: ``request`` (its type and fields) from the local user and device."""
    application = {"applicationId": skill_id}
    user = {"userId": LOCAL_USER}
    context: dict[str, Any] = {"System": {"application": application, "user": user,
                                          "device": {"deviceId": LOCAL_DEVICE,
                                                     "supportedInterfaces": device.interfaces}}}
    if device is Device.AUDIO_PLAYER:
        context["AudioPlayer"] = {"playerActivity": "IDLE"}
    stamp = timestamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "1.0",
        "session": {"new": new, "sessionId": session_id, "application": application,
                    "attributes": attributes, "user": user},
        "context": context,
        "request": {"requestId": f"amzn1.echo-api.request.{uuid.uuid4()}", "timestamp": stamp,
                    "locale": locale, **request},
    }


def intent_request(name: str, slots: dict[str, str], spoken: dict[str, str]) -> dict[str, Any]:
    """An IntentRequest with each slot resolved to its content id, as Alexa's entity resolution does."""
    def slot(slot_name: str, value_id: str) -> dict[str, Any]:
        authority = f"amzn1.er-authority.echo-sdk.{LOCAL_SKILL_ID}.{slot_name.upper()}"
        said = spoken.get(slot_name, value_id)
        return {"name": slot_name, "value": said, "confirmationStatus": "NONE",
                "resolutions": {"resolutionsPerAuthority": [
                    {"authority": authority, "status": {"code": "ER_SUCCESS_MATCH"},
                     "values": [{"value": {"name": said, "id": value_id}}]}]}}

    return {"type": "IntentRequest", "dialogState": "COMPLETED",
            "intent": {"name": name, "confirmationStatus": "NONE",
                       "slots": {slot_name: slot(slot_name, value) for slot_name, value in slots.items()}}}


def new_session_id() -> str:
    return f"amzn1.echo-api.session.{uuid.uuid4()}"
