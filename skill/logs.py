"""One structured (JSON) log line per request: ids hashed, no utterance text, timings in ms."""

from __future__ import annotations

import functools
import json
import logging

log = logging.getLogger("cramp_coach.requests")


@functools.lru_cache(maxsize=4096)  # the same user and device ids come back request after request
def pseudonym(user_id: str | None) -> str | None:
    """A stable, non-reversible stand-in for an Alexa user id, so logs can be joined per user
    without holding the id itself."""
    if not user_id:
        return None
    import hashlib  # only when a request is logged, not on the cold-start path

    # surrogatepass: JSON can carry a lone surrogate ("\ud800"), which strict UTF-8 refuses.
    return hashlib.blake2b(user_id.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def _get(payload, *path):
    for part in path:
        if not isinstance(payload, dict):
            return None
        payload = payload.get(part)
    return payload


def request_line(payload: dict, outcome: str, started: float, finished: float, response: dict | None = None) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    request = _get(payload, "request")
    request = request if isinstance(request, dict) else {}
    user = _get(payload, "context", "System", "user", "userId") or _get(payload, "session", "user", "userId")
    said = _get(response, "sessionAttributes", "last", "keys") if response else None
    said = said if isinstance(said, list) else None  # echoed session attributes may be anything
    if outcome == "ok" and said and "error.main" in said:
        outcome = "error"
    log.info(json.dumps({
        "request_id": request.get("requestId"),
        "type": request.get("type"),
        "intent": _get(request, "intent", "name"),
        "locale": request.get("locale"),
        "user": pseudonym(user if isinstance(user, str) else None),
        "outcome": outcome,
        "keys": said,
        "latency_ms": round((finished - started) * 1000, 2),
    }, separators=(",", ":")))


def rejected(reason: str, status: int) -> None:
    """An HTTP request refused before the skill saw it (verification, size, bad JSON)."""
    log.warning(json.dumps({"outcome": "rejected", "reason": reason, "status": status}, separators=(",", ":")))
