"""One structured (JSON) log line per request: ids hashed, no utterance text, timings in ms."""

from __future__ import annotations

import functools
import json
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from skill.envelope import Facts

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


def request_line(facts: Facts, outcome: str, said: tuple[str, ...], seconds: float) -> None:
    """The request's line: its facts, what the turn said (content keys) and how it ended."""
    if not log.isEnabledFor(logging.INFO):
        return
    log.info(json.dumps({
        "request_id": facts.request_id,
        "type": facts.request_type,
        "intent": facts.intent,
        "locale": facts.locale,
        "user": pseudonym(facts.user_id),
        "outcome": outcome,
        "keys": list(said),
        "latency_ms": round(seconds * 1000, 2),
    }, separators=(",", ":")))


def rejected(reason: str, status: int) -> None:
    """An HTTP request refused before the skill saw it (verification, size, bad JSON)."""
    log.warning(json.dumps({"outcome": "rejected", "reason": reason, "status": status}, separators=(",", ":")))
