"""The sentence grammar: the generated models are current, inside Alexa's limits and free of
conflicts, the grammar's validator reports every problem, and the local recogniser understands
the held-out phrases (tests/phrases), written before the grammar."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
import yaml

import content
from content.grammar import MAX_VALUE_CHARS, grammar
from skill import cli
from skill.handlers.preferences import ANSWERS
from skill.nlu import model
from skill.nlu.recognise import recogniser
from tests import fixtures

LOCALES = content.grammar.locales()
PHRASES = fixtures.PHRASES
RECOGNISER_FLOOR = 0.85  # a regression floor; the closing notes give the rate


@pytest.fixture(scope="module", params=LOCALES)
def built(request):
    return model.build(grammar(request.param))


def test_the_committed_models_are_what_the_grammar_builds(capsys):
    assert cli.main(["model", "build", "--check"]) == 0, capsys.readouterr().out


def test_the_build_is_deterministic(built):
    assert model.build(grammar(built.locale)).text == built.text


def test_the_model_stays_inside_alexas_limits(built):
    assert len(built.text.encode()) <= model.MAX_MODEL_BYTES
    language = built.model["interactionModel"]["languageModel"]
    for intent in language["intents"]:
        assert all(len(s) <= model.MAX_SAMPLE_CHARS for s in intent["samples"]), intent["name"]
        assert all(s.count("{") <= 1 for s in intent["samples"]), intent["name"]
    for slot_type in language["types"]:
        for value in slot_type["values"]:
            for said in [value["name"]["value"], *value["name"].get("synonyms", [])]:
                assert len(said) <= MAX_VALUE_CHARS
    assert language["modelConfiguration"]["fallbackIntentSensitivity"]["level"] in ("LOW", "MEDIUM", "HIGH")


# What people say for Alexa's built-in slot types (they have no list in the model).
BUILT_IN_FORMS = {"AMAZON.TIME": ["ten", "nine thirty", "ten p.m."]}


def _sentences(built) -> dict[str, set[str]]:
    """Every sentence each intent's samples stand for, every slot value and synonym put in."""
    language = built.model["interactionModel"]["languageModel"]
    forms = {t["name"]: [f for v in t["values"] for f in [v["name"]["value"], *v["name"].get("synonyms", [])]]
             for t in language["types"]}
    out = {}
    for intent in language["intents"]:
        types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        said = set()
        for sample in intent["samples"]:
            slot = next((name for name in types if "{" + name + "}" in sample), None)
            said.update([sample] if slot is None else (sample.replace("{" + slot + "}", f)
                                                       for f in forms.get(types[slot], BUILT_IN_FORMS.get(types[slot], []))))
        out[intent["name"]] = said
    return out


def test_no_sentence_means_two_intents(built):
    """One sentence in two intents (a slot value that makes another intent's sample too, such as
    a "bedtime" topic in "give me a bedtime tip") would leave the meaning to chance."""
    owners = defaultdict(set)
    for intent, said in _sentences(built).items():
        for sentence in said:
            owners[sentence].add(intent)
    assert len(owners) > 50_000
    assert {s: sorted(o) for s, o in owners.items() if len(o) > 1} == {}


def test_slot_values_are_the_content_ids(built):
    loaded = content.load(built.locale)
    types = {t["name"]: {v["id"] for v in t["values"]}
             for t in built.model["interactionModel"]["languageModel"]["types"]}
    assert types["MUSCLE"] == set(loaded.muscles)
    assert types["TIP_TOPIC"] == set(loaded.topics) - {"bedtime"}  # bedtime tips have their own intent
    assert types["SYMPTOM"] == set(loaded.triage)
    assert types["QUIET_MODE"] == set(ANSWERS)


def test_built_in_intents_get_the_samples_people_use(built):
    samples = {i["name"]: set(i["samples"]) for i in built.model["interactionModel"]["languageModel"]["intents"]}
    assert {"done", "okay", "keep going", "what now"} <= samples["AMAZON.NextIntent"]
    assert {"hold on", "wait"} <= samples["AMAZON.PauseIntent"]
    assert {"that's enough", "stop"} <= samples["AMAZON.StopIntent"]
    for name in model.CUSTOM:
        assert len(samples[name]) >= 100, name
    assert "charley horse" in {f for f in grammar(built.locale).values("MUSCLE")}


def test_a_broken_grammar_reports_every_problem():
    with pytest.raises(content.ContentError) as caught:
        grammar("qq-QQ", fixtures.BROKEN_GRAMMAR)
    problems = caught.value.problems
    for start in ["qq-QQ/sentences.yaml:colour: unknown key",
                  "qq-QQ/sentences.yaml:fallback_sensitivity: must be one of",
                  "qq-QQ/sentences.yaml:slots.topic: no list for slot type 'TIP_TOPIC'",
                  "qq-QQ/sentences.yaml:lists.MUSCLE.calf: 'calf!' must be lower-case words",
                  "qq-QQ/sentences.yaml:lists.MUSCLE.foot: 'calf' is also a form of 'calf'",
                  "qq-QQ/sentences.yaml:intents.CrampNowIntent[1]: unknown slot {elbow}",
                  "qq-QQ/sentences.yaml:intents.CrampNowIntent[1]: unknown rule <pleese>",
                  "qq-QQ/sentences.yaml:fillers: unknown rule 'tail'",
                  "qq-QQ/sentences.yaml:intents.CrampNowIntent[2]: not a template",
                  "qq-QQ/sentences.yaml:lists.MUSCLE.shin: not a template"]:
        assert any(p.startswith(start) for p in problems), (start, problems)


# --- the local recogniser ------------------------------------------------------------------------


@pytest.mark.parametrize("text, intent, slots", [
    ("my calf is cramping", "CrampNowIntent", {"muscle": "calf"}),
    ("My CALF is cramping!!", "CrampNowIntent", {"muscle": "calf"}),  # punctuation and case do not matter
    ("charley horse", "CrampNowIntent", {"muscle": "calf"}),
    ("give me a bedtime tip", "BedtimeTipIntent", {}),
    ("i have chest pain", "SymptomCheckIntent", {"symptom": "chest_pain"}),
    ("i can't move my leg", "SymptomCheckIntent", {"symptom": "sudden_weakness"}),
    ("what's the weather", None, None),
    ("", None, None),
])
def test_the_recogniser_gives_what_alexa_would_send(text, intent, slots):
    heard = recogniser("en-US")(text)
    if intent is None:
        assert heard is None
    else:
        assert heard is not None and (heard.intent, heard.slots) == (intent, slots)


@pytest.mark.parametrize("locale", [p.stem for p in sorted(PHRASES.glob("*.yaml"))])
def test_the_held_out_phrases_through_the_local_recogniser(locale, capsys):
    phrases = yaml.safe_load((PHRASES / f"{locale}.yaml").read_text())["phrases"]
    assert len(phrases) >= 150 and {p["intent"] for p in phrases} >= set(model.CUSTOM)
    hear = recogniser(locale)
    missed = []
    for phrase in phrases:
        heard = hear(phrase["text"])
        if phrase["intent"] == "AMAZON.FallbackIntent":
            good = heard is None
        else:
            good = heard is not None and (heard.intent, heard.slots) == (phrase["intent"], phrase.get("slots") or {})
        if not good:
            missed.append((phrase["text"], heard and (heard.intent, heard.slots)))
    rate = 1 - len(missed) / len(phrases)
    with capsys.disabled():
        print(f"\nheld-out {locale}: {len(phrases) - len(missed)}/{len(phrases)} through the local recogniser "
              f"({100 * rate:.1f}%)")
    assert rate >= RECOGNISER_FLOOR, json.dumps(missed, indent=1)
