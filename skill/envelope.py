"""The facts of a request envelope, read in one place: who is asking, on which device, for which
skill, what was asked, when, and what the device can do.

``read(payload)`` takes the JSON as it arrived and never raises on any JSON value: a missing or
odd ``context``, ``System``, ``application``, ``user``, ``device`` or ``session`` just leaves that
fact unknown. ``Facts.problem`` says why a payload is not a request envelope at all (HTTP 400).
``user_id(model)`` applies the same user rule to the SDK's model, for the persistence adapters.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple


class Player(NamedTuple):
    """What context.AudioPlayer says the device holds."""

    token: str | None
    offset: int
    activity: str | None


class Viewport(NamedTuple):
    """What context.Viewport says of the screen (dp = px * 160 / dpi)."""

    shape: str  # RECTANGLE | ROUND
    width: int  # px
    height: int  # px
    dpi: int
    mode: str  # HUB | TV | MOBILE | PC | AUTO

    @property
    def dp(self) -> tuple[float, float]:
        return self.width * 160 / self.dpi, self.height * 160 / self.dpi


def _viewport(raw: Any) -> Viewport | None:
    if not isinstance(raw, dict):
        return None
    size = [raw.get(k) for k in ("pixelWidth", "pixelHeight", "dpi")]
    if not all(type(v) is int and v > 0 for v in size):
        return None
    return Viewport(_text(raw.get("shape")) or "RECTANGLE", *size, _text(raw.get("mode")) or "HUB")


class Facts(NamedTuple):  # a NamedTuple, not a frozen dataclass: a tenth of the cold-start cost
    request_type: str | None = None
    request_id: str | None = None
    intent: str | None = None
    locale: str | None = None
    timestamp: dt.datetime | None = None
    user_id: str | None = None
    device_id: str | None = None
    application_id: str | None = None
    api_endpoint: str | None = None
    api_token: str | None = None
    interfaces: frozenset[str] = frozenset()  # names in context.System.device.supportedInterfaces
    has_session: bool = False
    player: Player | None = None
    viewport: Viewport | None = None  # context.Viewport, on a device with a screen
    permissions: frozenset[str] = frozenset()  # scopes granted (context.System.user.permissions.scopes)
    problem: str | None = None  # why this is not a request envelope (None: it is one)

    @property
    def name(self) -> str | None:
        """The intent name for an IntentRequest, else the request type."""
        return self.intent if self.request_type == "IntentRequest" else self.request_type

    def supports(self, interface: str) -> bool:
        return interface in self.interfaces


def dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_timestamp(raw: Any) -> dt.datetime | None:
    """ISO 8601 as Alexa documents it, or epoch milliseconds (as an integer or digit string); UTC
    when no offset is given. None for anything else."""
    try:
        if isinstance(raw, str) and raw.isdigit():
            raw = int(raw)
        if isinstance(raw, int) and not isinstance(raw, bool):
            return dt.datetime.fromtimestamp(raw / 1000, dt.UTC)
        if isinstance(raw, str):
            stamp = dt.datetime.fromisoformat(raw)
            return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
    except (ValueError, OverflowError, OSError):
        pass
    return None


def application_id(payload: Any) -> str | None:
    """The skill a request is for: context.System.application first, then session.application,
    as Alexa documents (the session one is absent from AudioPlayer and other sessionless requests)."""
    return (_text(dig(payload, "context", "System", "application", "applicationId"))
            or _text(dig(payload, "session", "application", "applicationId")))


def read(payload: Any) -> Facts:
    if not isinstance(payload, dict):
        return Facts(problem="the body is not a JSON object")
    request = payload.get("request")
    if not isinstance(request, dict) or not _text(request.get("type")):
        return Facts(problem="the body is not an Alexa request envelope (no request type)")
    system = dig(payload, "context", "System")
    interfaces = dig(system, "device", "supportedInterfaces")
    player = dig(payload, "context", "AudioPlayer")
    offset = dig(player, "offsetInMilliseconds")
    return Facts(
        request_type=request["type"],
        request_id=_text(request.get("requestId")),
        intent=_text(dig(request, "intent", "name")),
        locale=_text(request.get("locale")),
        timestamp=parse_timestamp(request.get("timestamp")),
        user_id=_text(dig(system, "user", "userId")) or _text(dig(payload, "session", "user", "userId")),
        device_id=_text(dig(system, "device", "deviceId")),
        application_id=application_id(payload),
        api_endpoint=_text(dig(system, "apiEndpoint")),
        api_token=_text(dig(system, "apiAccessToken")),
        interfaces=frozenset(k for k in interfaces if isinstance(k, str)) if isinstance(interfaces, dict) else frozenset(),
        has_session=isinstance(payload.get("session"), dict),
        player=Player(_text(dig(player, "token")), offset if type(offset) is int else 0,
                      _text(dig(player, "playerActivity"))) if isinstance(player, dict) else None,
        viewport=_viewport(dig(payload, "context", "Viewport")),
        permissions=_granted(dig(system, "user", "permissions")),
    )


def _granted(permissions: Any) -> frozenset[str]:
    """The permission scopes the user granted: a consent token means every one the skill asked for
    (Alexa's older form); ``scopes`` names each with its status."""
    scopes = dig(permissions, "scopes")
    granted = {name for name, value in scopes.items()
               if dig(value, "status") == "GRANTED"} if isinstance(scopes, dict) else set()
    if _text(dig(permissions, "consentToken")):
        granted.add("*")
    return frozenset(granted)


def user_id(model: Any) -> str | None:
    """The user of an ask-sdk RequestEnvelope by the rule of ``read``: context first, then session."""
    system = getattr(getattr(model, "context", None), "system", None)
    found = getattr(getattr(system, "user", None), "user_id", None)
    if not _text(found):
        found = getattr(getattr(getattr(model, "session", None), "user", None), "user_id", None)
    return _text(found)
