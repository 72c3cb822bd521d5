"""The interaction model and manifest against the handlers, the content and the contract."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

import content
from skill.builder import HANDLERS
from skill.handlers import player

PACKAGE = Path(__file__).resolve().parent.parent / "skill" / "package"
MODEL = json.loads((PACKAGE / "interactionModels" / "custom" / "en-US.json").read_text())["interactionModel"]
MANIFEST = json.loads((PACKAGE / "skill.json").read_text())["manifest"]
INTENTS = {i["name"]: i for i in MODEL["languageModel"]["intents"]}
TYPES = {t["name"]: t for t in MODEL["languageModel"]["types"]}
CUSTOM = [name for name in INTENTS if not name.startswith("AMAZON.")]

# The contract in PLATFORM.md.
CONTRACT = {
    "CrampNowIntent": {"muscle": "MUSCLE"},
    "GuidedStretchIntent": {"muscle": "MUSCLE"},
    "PreventionTipIntent": {"topic": "TIP_TOPIC"},
    "BedtimeTipIntent": {},
    "CausesIntent": {},
    "SeeDoctorIntent": {},
    "SymptomCheckIntent": {"symptom": "SYMPTOM"},
    "QuietModeIntent": {"mode": "QUIET_MODE"},
    "ForgetMeIntent": {},
    "BedtimeReminderIntent": {"time": "AMAZON.TIME"},
}
BUILT_INS = {f"AMAZON.{n}Intent" for n in (
    "Help Stop Cancel Fallback NavigateHome Next Previous Repeat StartOver Pause Resume Yes No".split())}


def _handled() -> set[str]:
    names = set()
    for handler in HANDLERS:
        names.update(filter(None, [getattr(handler, "intent", "")]))
        names.update(getattr(handler, "intents", ()))
    return names


def test_invocation_name():
    assert MODEL["languageModel"]["invocationName"] == "cramp coach"


def test_intents_and_slots_follow_the_contract():
    assert set(CUSTOM) == set(CONTRACT)
    for name, slots in CONTRACT.items():
        # Intents may gain slots (GuidedStretchIntent's pace); the contract's stay as they are.
        found = {s["name"]: s["type"] for s in INTENTS[name].get("slots", [])}
        assert found.items() >= slots.items(), name
    assert set(INTENTS) - set(CUSTOM) == BUILT_INS


def test_every_model_intent_has_a_handler_and_every_handler_intent_is_in_the_model():
    # Loop and shuffle reach the skill that last played audio without being in its model.
    assert set(INTENTS) == _handled() - set(player.MODES)


@pytest.mark.parametrize("name", CUSTOM)
def test_custom_intents_have_twenty_varied_samples(name):
    samples = INTENTS[name]["samples"]
    assert len(samples) >= 20
    assert len({s.lower() for s in samples}) == len(samples)
    declared = {s["name"] for s in INTENTS[name].get("slots", [])}
    for sample in samples:
        assert set(re.findall(r"{(\w+)}", sample)) <= declared, sample
        assert re.fullmatch(r"[a-z' {}]+", sample), sample


def test_no_sample_is_shared_by_two_intents():
    owners = Counter(" ".join(s.lower().split()) for i in INTENTS.values() for s in i.get("samples", []))
    assert [s for s, n in owners.items() if n > 1] == []


def _ids(type_name: str) -> set[str]:
    return {v["id"] for v in TYPES[type_name]["values"]}


def test_slot_values_match_content():
    loaded = content.load()
    assert _ids("MUSCLE") == set(loaded.muscles)
    assert _ids("TIP_TOPIC") == set(loaded.topics) - {"bedtime"}  # bedtime tips: BedtimeTipIntent, by design
    assert _ids("SYMPTOM") == set(loaded.triage)


@pytest.mark.parametrize("type_name", ["MUSCLE", "TIP_TOPIC", "SYMPTOM"])
def test_synonyms_belong_to_one_value(type_name):
    words = Counter(w.lower() for v in TYPES[type_name]["values"]
                    for w in [v["name"]["value"], *v["name"].get("synonyms", [])])
    assert [w for w, n in words.items() if n > 1] == []


def test_manifest_carries_the_health_disclaimer_and_privacy_fields():
    locale = MANIFEST["publishingInformation"]["locales"]["en-US"]
    assert "not medical advice" in locale["description"]
    privacy = MANIFEST["privacyAndCompliance"]
    for field in ("allowsPurchases", "usesPersonalInfo", "isChildDirected", "isExportCompliant", "containsAds"):
        assert isinstance(privacy[field], bool), field
    assert privacy["locales"]["en-US"]["privacyPolicyUrl"].startswith("https://")


def test_example_phrases_match_samples():
    samples = [" ".join(s.split()) for i in INTENTS.values() for s in i.get("samples", [])]
    for phrase in MANIFEST["publishingInformation"]["locales"]["en-US"]["examplePhrases"]:
        spoken = phrase.lower().removeprefix("alexa, ").rstrip(".?")
        if spoken in ("open cramp coach", "launch cramp coach"):
            continue
        rest = re.sub(r"^ask cramp coach (to |for |about )?", "", spoken)
        assert any(re.fullmatch(re.sub(r"{\w+}", r"[a-z' ]+", s), rest) for s in samples), phrase
