"""Alexa interaction models generated from the sentence grammar (``cramp-coach model build``).

Each template is expanded into sample utterances that keep their ``{slot}`` placeholders (every
word of every alternative appears; where the full product of a template's alternatives is
larger than PER_TEMPLATE, its combinations are drawn with a seeded generator), the
slot types come from the grammar's lists (a built-in type such as AMAZON.TIME has none: Alexa
knows its values) (content ids, spoken value and synonyms), and the JSON
is written deterministically, so the committed model can be checked to be current.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from skill.handlers.canfulfill import MODELS  # where the skill reads its models from

from content.grammar import Grammar, expand, normal

MAX_SAMPLE_CHARS = 200  # longer samples are refused by the model build
MAX_MODEL_BYTES = 1_500_000  # Alexa's limit for a whole interaction model
MAX_SAMPLES = 4000  # per intent; a larger expansion is sampled deterministically (and said so)
CAP_STEP = 250  # fewer samples an intent, until a model over MAX_MODEL_BYTES fits
PER_TEMPLATE = 200  # texts one template may expand into before its combinations are sampled
# The custom intents and their slots (the contract in PLATFORM.md), in the model's order.
CUSTOM = {
    "CrampNowIntent": ("muscle",), "GuidedStretchIntent": ("muscle", "pace"), "PreventionTipIntent": ("topic",),
    "BedtimeTipIntent": (), "CausesIntent": (), "SeeDoctorIntent": (), "SymptomCheckIntent": ("symptom",),
    "QuietModeIntent": ("mode",), "ForgetMeIntent": (), "BedtimeReminderIntent": ("time", "reminder"),
}
BUILT_INS = ("AMAZON.HelpIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.FallbackIntent",
             "AMAZON.NavigateHomeIntent", "AMAZON.NextIntent", "AMAZON.PreviousIntent", "AMAZON.RepeatIntent",
             "AMAZON.StartOverIntent", "AMAZON.PauseIntent", "AMAZON.ResumeIntent", "AMAZON.YesIntent",
             "AMAZON.NoIntent")


@dataclass
class Built:
    locale: str
    model: dict
    samples: dict[str, int]  # intent -> samples in the model
    expanded: dict[str, int]  # intent -> samples the grammar expands to
    notes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        # One item a line without indentation: diffs stay readable, and a third of the bytes of
        # Alexa's 1.5 MB limit is not spent on spaces.
        return json.dumps(self.model, indent=0, ensure_ascii=False) + "\n"


def samples(grammar: Grammar, intent: str) -> list[str]:
    """The sample utterances ``intent`` expands into, unique, taken from each template in turn
    (each template's plainest forms first): the first N are the N most worth keeping."""
    from hassil import parse_sentence

    rules = {name: parse_sentence(body).expression for name, body in grammar.rules.items()}
    per_template = []
    for template in grammar.intents[intent]:
        rng = random.Random(hashlib.sha256(f"{grammar.locale}:{intent}:{template}".encode()).digest())
        texts = expand(parse_sentence(template).expression, rules, PER_TEMPLATE, rng, grammar.fillers)
        per_template.append([sample for text in texts if (sample := normal(text))])
    found: dict[str, None] = {}
    for row in itertools.zip_longest(*per_template):
        for sample in row:
            if sample is not None:
                found.setdefault(sample, None)
    return list(found)


def build(grammar: Grammar, custom_intents: dict[str, tuple[str, ...]] = CUSTOM) -> Built:
    """The interaction model of ``grammar``. ``custom_intents``: intent -> slot names. Each intent
    keeps its first MAX_SAMPLES samples; a model that would still be over Alexa's size limit keeps
    CAP_STEP fewer per intent until it fits (the plainest forms are first, so they stay)."""
    expanded = {name: samples(grammar, name) for name in custom_intents}
    built_ins = {name: samples(grammar, name) if name in grammar.intents else [] for name in BUILT_INS}
    types = [{"name": slot_type, "values": [
        {"id": value_id, "name": {"value": forms[0], **({"synonyms": list(forms[1:])} if forms[1:] else {})}}
        for value_id, forms in values.items()]} for slot_type, values in grammar.lists.items()]
    for cap in range(MAX_SAMPLES, 0, -CAP_STEP):
        built = _model(grammar, custom_intents, expanded, built_ins, types, cap)
        if (size := len(built.text.encode())) <= MAX_MODEL_BYTES:
            break
    else:
        raise ValueError(f"{grammar.locale}: the model is {size} bytes, over Alexa's {MAX_MODEL_BYTES}")
    for name in built.samples:
        long = [s for s in _intent(built, name)["samples"] if len(s) > MAX_SAMPLE_CHARS]
        if long:
            raise ValueError(f"{grammar.locale} {name}: samples over {MAX_SAMPLE_CHARS} characters: {long[:3]}")
    return built


def _model(grammar: Grammar, custom_intents: dict, expanded: dict[str, list[str]], built_ins: dict[str, list[str]],
           types: list, cap: int) -> Built:
    built = Built(grammar.locale, {}, {}, {})
    intents = []
    for name, slots in custom_intents.items():
        kept = expanded[name][:cap]
        built.expanded[name], built.samples[name] = len(expanded[name]), len(kept)
        if len(kept) < len(expanded[name]):
            why = "" if cap == MAX_SAMPLES else f"; {cap} an intent to keep the model under {MAX_MODEL_BYTES} bytes"
            built.notes.append(f"{grammar.locale} {name}: {len(expanded[name])} samples expanded, {len(kept)} kept "
                               f"(each template's plainest first, the templates in turn{why})")
        intent = {"name": name, "slots": [{"name": s, "type": grammar.slots[s]} for s in slots], "samples": kept}
        intents.append(intent if slots else {"name": name, "samples": kept})
    for name, kept in built_ins.items():
        built.expanded[name] = built.samples[name] = len(kept)
        intents.append({"name": name, "samples": kept})
    built.model = {"interactionModel": {"languageModel": {
        "invocationName": grammar.invocation,
        "modelConfiguration": {"fallbackIntentSensitivity": {"level": grammar.fallback_sensitivity}},
        "intents": intents, "types": types}}}
    return built


def _intent(built: Built, name: str) -> dict:
    return next(i for i in built.model["interactionModel"]["languageModel"]["intents"] if i["name"] == name)


def target(locale: str) -> Path:
    return MODELS / f"{locale}.json"
