"""Request envelopes built from the fixture files, and a conversation that carries the session."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import RequestEnvelope

from skill.invoke import respond
import content
from skill.handlers.player import Tracks
from skill.interceptors import TurnInterceptor
from skill.serializer import Serializer
from skill.turn import Turn
from speech import Speaker
from tests import fixtures


class Unknown(str):
    """A slot value Alexa heard but could not resolve (ER_SUCCESS_NO_MATCH)."""


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def slot(name: str, value: str | None) -> dict:
    """A slot as Alexa sends it: ids resolve with ER_SUCCESS_MATCH, Unknown values do not."""
    if value is None:
        return {"name": name, "confirmationStatus": "NONE"}
    authority = f"amzn1.er-authority.echo-sdk.amzn1.ask.skill.test.{name.upper()}"
    if isinstance(value, Unknown):
        resolution = {"authority": authority, "status": {"code": "ER_SUCCESS_NO_MATCH"}}
    else:
        resolution = {"authority": authority, "status": {"code": "ER_SUCCESS_MATCH"},
                      "values": [{"value": {"name": value, "id": value}}]}
    return {"name": name, "value": str(value), "confirmationStatus": "NONE",
            "resolutions": {"resolutionsPerAuthority": [resolution]}}


def intent(name: str, attributes: dict | None = None, **slots: str | None) -> dict:
    envelope = load(fixtures.INTENT)
    envelope["request"]["intent"] = {"name": name, "confirmationStatus": "NONE",
                                     "slots": {k: slot(k, v) for k, v in slots.items()}}
    envelope["session"]["attributes"] = copy.deepcopy(attributes or {})
    return envelope


_KEEP = object()


def dressed(envelope: dict, *, user: str | None = _KEEP, device: str | None = None, timestamp: str | None = None,
            endpoint: str | None = None, token: str | None = None) -> dict:
    """``envelope`` from a given user (None: no user at all) on a given device, at ``timestamp``,
    with the Settings API at ``endpoint``; anything not given stays as the fixture has it."""
    system = envelope["context"]["System"]
    if endpoint is not None:
        system["apiEndpoint"] = endpoint
    if token is not None:
        system["apiAccessToken"] = token
    if device is not None:
        system.setdefault("device", {})["deviceId"] = device
    if user is None:
        system.pop("user", None)
        envelope.get("session", {}).pop("user", None)
    elif user is not _KEEP:
        system["user"] = {"userId": user}
        if "session" in envelope:
            envelope["session"]["user"] = {"userId": user}
    if timestamp is not None:
        envelope["request"]["timestamp"] = timestamp
    return envelope


# --- what handlers see: the SDK's model objects and the Turn built from them ---------------

USER = "amzn1.ask.account.MEMORYUSER"
DEVICE = "amzn1.ask.device.KITCHEN"


def sdk_envelope(user: str | None = USER, device: str = DEVICE, *, timestamp: str = "2026-11-24T03:00:00Z",
                 endpoint: str | None = None, token: str | None = None, session: dict | None = None,
                 name: str = "PreventionTipIntent") -> RequestEnvelope:
    """An intent request as the SDK hands it to handlers, from the fixture files."""
    payload = dressed(intent(name, session), user=user, device=device, timestamp=timestamp,
                      endpoint=endpoint, token=token)
    return Serializer().deserialize(json.dumps(payload), RequestEnvelope)


def turn_for(request: RequestEnvelope, adapter, night=None) -> Turn:
    """The Turn of ``request`` as skill.interceptors builds it, before any night decision."""
    given = HandlerInput(request_envelope=request, attributes_manager=AttributesManager(request, adapter))
    return TurnInterceptor({"en-US": Speaker(content.load())}, "en-US", Tracks(), adapter, night).build(given)


def can_fulfill(name: str, **slots: str | None) -> dict:
    envelope = load(fixtures.CAN_FULFILL)
    envelope["request"]["intent"] = {"name": name, "slots": {k: slot(k, v) for k, v in slots.items()}}
    return envelope


def speech(response: dict) -> str:
    return response["response"].get("outputSpeech", {}).get("ssml", "")


def keys(response: dict) -> list[str]:
    return response.get("sessionAttributes", {}).get("last", {}).get("keys", [])


class Conversation:
    """Sends requests through the real skill, carrying session attributes from turn to turn."""

    def __init__(self, skill):
        self.skill = skill
        self.attributes: dict = {}
        self.last: dict = {}

    def send(self, envelope: dict) -> dict:
        self.last = respond(self.skill, envelope)
        self.attributes = self.last.get("sessionAttributes") or {}
        return self.last

    def launch(self) -> dict:
        self.attributes = {}
        return self.send(load(fixtures.LAUNCH))

    def say(self, name: str, **slots) -> dict:
        return self.send(intent(name, self.attributes, **slots))

    @property
    def keys(self) -> list[str]:
        return keys(self.last)

    @property
    def ended(self) -> bool:
        return bool(self.last["response"].get("shouldEndSession"))


# --- AudioPlayer: what the device holds, its events and its buttons ---------------------------


def with_player(envelope: dict, token: str | None = None, offset: int = 0, activity: str = "PLAYING",
                supported: bool = True) -> dict:
    """The envelope from a device with (or without) AudioPlayer, holding ``token`` at ``offset``."""
    system = envelope["context"]["System"]
    system["device"]["supportedInterfaces"] = {"AudioPlayer": {}} if supported else {}
    if supported:
        envelope["context"]["AudioPlayer"] = {"playerActivity": "IDLE"} if token is None else {
            "token": token, "offsetInMilliseconds": offset, "playerActivity": activity}
    return envelope


def audio_request(request_type: str, token: str | None = None, offset: int = 0, activity: str = "PLAYING",
                  **fields) -> dict:
    """An AudioPlayer.* event (token and offset in the request) or a PlaybackController.* command
    (only in context): no session, as Alexa sends them."""
    envelope = load(fixtures.EXCEPTION_ENCOUNTERED)
    envelope["request"] = {"type": request_type, "requestId": "amzn1.echo-api.request.0000-audio",
                           "timestamp": envelope["request"]["timestamp"], "locale": "en-US", **fields}
    if request_type.startswith("AudioPlayer.") and token is not None:
        envelope["request"].update(token=token, offsetInMilliseconds=offset)
    return with_player(envelope, token, offset, activity)
