"""The skill manifest's per-locale parts, written with the models (``cramp-coach model build``):
each locale's store listing from its content, the privacy links, and the countries the locales
serve. Everything else in skill.json is kept as it is."""

from __future__ import annotations

import copy
import json

import content
from skill.handlers.canfulfill import MODELS

MANIFEST = MODELS.parents[1] / "skill.json"
PRIVACY = {"privacyPolicyUrl": "https://example.com/cramp-coach/privacy",
           "termsOfUseUrl": "https://example.com/cramp-coach/terms"}


def listing(loaded: content.Content) -> dict:
    store = loaded.store
    if store is None:
        raise ValueError(f"{loaded.locale}: no store listing in its content (a store: section)")
    return {"name": store.name, "summary": store.summary,
            "description": store.description.format(emergency_number=loaded.emergency_number),
            "examplePhrases": list(store.examples), "keywords": list(store.keywords)}


def build(current: dict) -> dict:
    """``current`` (skill.json's data) with every locale's listing, privacy links and countries."""
    manifest = copy.deepcopy(current)
    loaded = [content.load(locale) for locale in content.locales()]
    publishing = manifest["manifest"]["publishingInformation"]
    publishing["locales"] = {c.locale: listing(c) for c in loaded}
    publishing["distributionCountries"] = sorted({country for c in loaded for country in c.countries})
    privacy = manifest["manifest"]["privacyAndCompliance"]
    privacy["locales"] = {c.locale: {**PRIVACY, **privacy.get("locales", {}).get(c.locale, {})} for c in loaded}
    return manifest


def text(manifest: dict) -> str:
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
