"""CanFulfillIntentRequest: can this skill take the intent Alexa is routing? No side effects."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from ask_sdk_model.canfulfill import (
    CanFulfillIntent,
    CanFulfillIntentValues,
    CanFulfillSlot,
    CanFulfillSlotValues,
    CanUnderstandSlotValues,
)

from skill.handlers.base import UNKNOWN, RequestTypeHandler, slot_id

MODELS = Path(__file__).resolve().parent.parent / "package" / "interactionModels" / "custom"


@functools.cache
def model_locales() -> frozenset[str]:
    return frozenset(path.stem for path in MODELS.glob("*.json"))


@functools.lru_cache(maxsize=None)
def custom_intents(locale: str) -> dict[str, frozenset[str]]:
    """Custom intent name -> slot names, read from the interaction model (the source of truth)."""
    path = MODELS / f"{locale}.json"
    if not path.is_file():
        path = MODELS / "en-US.json"
    model = json.loads(path.read_text(encoding="utf-8"))["interactionModel"]["languageModel"]
    return {intent["name"]: frozenset(s["name"] for s in intent.get("slots", []))
            for intent in model["intents"] if not intent["name"].startswith("AMAZON.")}


class CanFulfillIntentRequestHandler(RequestTypeHandler):
    request_type = "CanFulfillIntentRequest"

    def answer(self, t):
        intent = t.handler_input.request_envelope.request.intent
        # The locale is the caller's text: only a locale we ship names a file (no "../"), and the
        # cache above stays as small as the set of models.
        locale = t.facts.locale if t.facts.locale in model_locales() else "en-US"
        known = custom_intents(locale).get(getattr(intent, "name", None))
        slots, understood = {}, known is not None
        for name, value in ((intent.slots or {}) if intent else {}).items():
            if not value or not value.value:
                continue
            ok = known is not None and name in known and slot_id(value) != UNKNOWN
            understood = understood and ok
            answer = CanUnderstandSlotValues.YES if ok else CanUnderstandSlotValues.NO
            slots[name] = CanFulfillSlot(can_understand=answer,
                                         can_fulfill=CanFulfillSlotValues.YES if ok else CanFulfillSlotValues.NO)
        verdict = CanFulfillIntentValues.YES if understood else CanFulfillIntentValues.NO
        builder = t.builder
        builder.set_can_fulfill_intent(CanFulfillIntent(can_fulfill=verdict, slots=slots or None))
        return builder.response
