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
MANIFEST = json.loads((PACKAGE / "skill.json").read_text())["manifest"]
LOCALES = content.locales()


class Model:
    """One locale's generated interaction model."""

    def __init__(self, locale: str):
        language = json.loads((PACKAGE / "interactionModels" / "custom" / f"{locale}.json").read_text())
        self.language = language["interactionModel"]["languageModel"]
        self.intents = {i["name"]: i for i in self.language["intents"]}
        self.types = {t["name"]: t for t in self.language["types"]}
        self.custom = [name for name in self.intents if not name.startswith("AMAZON.")]


MODELS = {locale: Model(locale) for locale in LOCALES if (PACKAGE / "interactionModels" / "custom" / f"{locale}.json").is_file()}
CUSTOM = MODELS["en-US"].custom

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


@pytest.mark.parametrize("locale", LOCALES)
def test_invocation_name(locale):
    invocation = MODELS[locale].language["invocationName"]
    assert invocation == ("cramp coach" if locale.startswith("en-") else "alivio de calambres")
    assert re.fullmatch(r"[^\W\d_A-Z]+( [^\W\d_A-Z]+)+", invocation)  # two words or more, lower case, no digits


@pytest.mark.parametrize("locale", LOCALES)
def test_intents_and_slots_follow_the_contract(locale):
    model = MODELS[locale]
    assert set(model.custom) == set(CONTRACT)
    for name, slots in CONTRACT.items():
        # Intents may gain slots (GuidedStretchIntent's pace); the contract's stay as they are.
        found = {s["name"]: s["type"] for s in model.intents[name].get("slots", [])}
        assert found.items() >= slots.items(), name
    assert set(model.intents) - set(model.custom) == BUILT_INS


@pytest.mark.parametrize("locale", LOCALES)
def test_every_model_intent_has_a_handler_and_every_handler_intent_is_in_the_model(locale):
    # Loop and shuffle reach the skill that last played audio without being in its model.
    assert set(MODELS[locale].intents) == _handled() - set(player.MODES)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", CUSTOM)
def test_custom_intents_have_twenty_varied_samples(locale, name):
    intent = MODELS[locale].intents[name]
    samples = intent["samples"]
    assert len(samples) >= 20
    assert len({s.lower() for s in samples}) == len(samples)
    declared = {s["name"] for s in intent.get("slots", [])}
    for sample in samples:
        assert set(re.findall(r"{(\w+)}", sample)) <= declared, sample
        assert re.fullmatch(r"(?:[^\W\d_A-Z]|[' {}])+", sample), sample


@pytest.mark.parametrize("locale", LOCALES)
def test_no_sample_is_shared_by_two_intents(locale):
    owners = Counter(" ".join(s.lower().split()) for i in MODELS[locale].intents.values() for s in i.get("samples", []))
    assert [s for s, n in owners.items() if n > 1] == []


def _ids(locale: str, type_name: str) -> set[str]:
    return {v["id"] for v in MODELS[locale].types[type_name]["values"]}


@pytest.mark.parametrize("locale", LOCALES)
def test_slot_values_match_content(locale):
    loaded = content.load(locale)
    assert _ids(locale, "MUSCLE") == set(loaded.muscles)
    assert _ids(locale, "TIP_TOPIC") == set(loaded.topics) - {"bedtime"}  # bedtime tips: BedtimeTipIntent, by design
    assert _ids(locale, "SYMPTOM") == set(loaded.triage)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("type_name", ["MUSCLE", "TIP_TOPIC", "SYMPTOM"])
def test_synonyms_belong_to_one_value(locale, type_name):
    words = Counter(w.lower() for v in MODELS[locale].types[type_name]["values"]
                    for w in [v["name"]["value"], *v["name"].get("synonyms", [])])
    assert [w for w, n in words.items() if n > 1] == []


@pytest.mark.parametrize("locale", LOCALES)
def test_manifest_carries_the_health_disclaimer_and_privacy_fields(locale):
    listing = MANIFEST["publishingInformation"]["locales"][locale]
    assert DISCLAIMER[locale[:2]] in listing["description"]
    privacy = MANIFEST["privacyAndCompliance"]
    for field in ("allowsPurchases", "usesPersonalInfo", "isChildDirected", "isExportCompliant", "containsAds"):
        assert isinstance(privacy[field], bool), field
    assert privacy["locales"][locale]["privacyPolicyUrl"].startswith("https://")


DISCLAIMER = {"en": "not medical advice", "es": "no es consejo médico"}
# How an example phrase opens the skill and asks it something, per language.
OPENING = {"en": r"(open|launch) {name}", "es": r"(abre|inicia) {name}"}
ASKING = {"en": r"ask {name} (to |for |about )?", "es": r"(pide|pídele|pregunta|pregúntale) a {name} (que |por |sobre )?"}


@pytest.mark.parametrize("locale", LOCALES)
def test_example_phrases_open_the_skill_first_and_match_samples(locale):
    model = MODELS[locale]
    name, language = model.language["invocationName"], locale[:2]
    samples = [" ".join(s.split()) for i in model.intents.values() for s in i.get("samples", [])]
    phrases = [p.lower().removeprefix("alexa, ").rstrip(".?") for p in
               MANIFEST["publishingInformation"]["locales"][locale]["examplePhrases"]]
    assert re.fullmatch(OPENING[language].format(name=name), phrases[0])  # how Alexa+ opens a skill reliably
    for spoken in phrases[1:]:
        rest = re.sub("^" + ASKING[language].format(name=name), "", spoken)
        assert rest != spoken, spoken
        assert any(re.fullmatch(re.sub(r"{\w+}", r"[\\w' ]+", re.escape(s).replace(r"\{", "{").replace(r"\}", "}")), rest)
                   for s in samples), spoken
