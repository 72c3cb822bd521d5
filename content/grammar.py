"""The sentence grammar of a locale (``content/<locale>/sentences.yaml``): what people say, as
templates in hassil's syntax, and the slot lists with their content ids and spoken synonyms.

A locale's grammar adds to its bases' (``content/en/sentences.yaml`` for every English locale):
its templates join theirs, its spoken forms join each value's, and it may set its own
invocation name and rules.

Only the model builder and the local recogniser read it (skill.nlu); the skill's answer path
never does. ``grammar(locale)`` validates the file and raises ContentError listing every problem.
"""

from __future__ import annotations

import functools
import itertools
import math
import random
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from content import ROOT, ContentError, _parse_yaml, chain

FALLBACK_LEVELS = ("LOW", "MEDIUM", "HIGH")
BUILT_IN_PREFIX = "AMAZON."  # slot types Alexa defines and resolves itself
MAX_VALUE_CHARS = 140  # Alexa: a slot value or synonym
FILLER_OPTIONS = 3  # a filler rule's options one template adds; each template draws its own
SMALL_PART = 12  # parts of a sequence with at most this many options are also combined in pairs
_SLOT = re.compile(r"{(\w+)}")
_RULE = re.compile(r"<(\w+)>")
_SPOKEN = re.compile(r"[^\W_A-Z]+(?:[' ]+[^\W_A-Z]*)*")  # lower-case words in any script ("pantorrilla", "músculo")
_SPACE = re.compile(r"\s+")
_CLITIC = re.compile(r" (?='(?:s|m|re|ve|ll|d|t)\b)")


@dataclass(frozen=True)
class Grammar:
    locale: str
    language: str
    invocation: str
    fallback_sensitivity: str
    slots: Mapping[str, str]  # slot name -> slot type
    lists: Mapping[str, Mapping[str, tuple[str, ...]]]  # slot type -> content id -> spoken forms (first: the value)
    rules: Mapping[str, str]
    fillers: frozenset[str]  # optional rules of words around the meaning ("ugh", "please"): plainest without
    intents: Mapping[str, tuple[str, ...]]  # intent -> templates

    def values(self, slot_type: str) -> dict[str, str]:
        """Every spoken form of a slot type -> its content id."""
        return {spoken: value_id for value_id, forms in self.lists[slot_type].items() for spoken in forms}


def expand(expression, rules: dict, budget: int, rng: random.Random, fillers: frozenset[str] = frozenset()) -> list[str]:
    """The texts ``expression`` stands for, at most ``budget`` of them, the plainest first.

    Every list starts with its plainest text: first options, and nothing for the optional
    ``fillers`` rules ("ugh", "please", "right now") or of any [optional] part. A sequence whose
    full product is larger than the budget keeps that plainest text, then every option of each
    small part that carries meaning with the others at their plainest, then small parts' options
    in pairs, then the larger parts' options, then the fillers', then combinations drawn by
    ``rng``: the common forms come first, and the result is the same on every machine."""
    from hassil.expression import Alternative, ListReference, Permutation, RuleReference, Sequence, TextChunk

    def again(item) -> list[str]:
        return expand(item, rules, budget, rng, fillers)

    if isinstance(expression, TextChunk):
        return [expression.text]
    if isinstance(expression, ListReference):
        return ["{" + expression.slot_name + "}"]
    if isinstance(expression, RuleReference):
        found = again(rules[expression.rule_name])
        return [""] + [t for t in found if t] if expression.rule_name in fillers and "" in found else found
    if isinstance(expression, Alternative):
        options = [text for item in expression.items for text in again(item)]
        options = [""] + [t for t in options if t] if expression.is_optional else options  # plainest: without it
        return options if len(options) <= budget else options[:1] + rng.sample(options[1:], budget - 1)
    if isinstance(expression, Permutation):
        return again(Alternative(items=[Sequence(items=list(order)) for order in itertools.permutations(expression.items)]))
    if isinstance(expression, Sequence):
        parts = [again(item) for item in expression.items]
        plainest = [part[0] for part in parts]
        if math.prod(len(p) for p in parts) <= budget:
            combos = ["".join(combo) for combo in itertools.product(*parts)]
            first = "".join(plainest)
            return [first] + [c for c in combos if c != first]
        chosen: dict[str, None] = {"".join(plainest): None}
        filler = {i for i, item in enumerate(expression.items)
                  if isinstance(item, RuleReference) and item.rule_name in fillers}
        meaning = [i for i in range(len(parts)) if i not in filler]

        def vary(changes: dict[int, str]) -> None:
            if len(chosen) < budget:
                chosen["".join(changes.get(i, plain) for i, plain in enumerate(plainest))] = None

        small = [i for i in meaning if 1 < len(parts[i]) <= SMALL_PART]
        for index in small:  # every option of every small part that carries meaning, the rest plainest
            for option in parts[index]:
                vary({index: option})
        for a, b in itertools.combinations(small, 2):  # two small parts together ("my calf is cramping")
            for x, y in itertools.product(parts[a], parts[b]):
                vary({a: x, b: y})
        for index in meaning:  # every option of the larger parts
            for option in parts[index]:
                vary({index: option})
        for index in sorted(filler):  # then a few of the words around the meaning (others elsewhere)
            for option in rng.sample(parts[index], min(FILLER_OPTIONS, len(parts[index]))):
                vary({index: option})
        for _ in range(4 * budget):  # different combinations may read the same: the draws are bounded
            if len(chosen) >= budget:
                break
            chosen["".join(rng.choice(part) for part in parts)] = None
        return list(chosen)
    raise TypeError(f"no expansion for {type(expression).__name__}")


def is_built_in(slot_type: str) -> bool:
    """An Alexa built-in slot type (AMAZON.TIME): Alexa resolves its values, so it needs no list."""
    return isinstance(slot_type, str) and slot_type.startswith(BUILT_IN_PREFIX)


def normal(text: str) -> str:
    """A sample as Alexa takes it: lower case, single spaces, "i 'm" written "i'm"."""
    return _CLITIC.sub("", _SPACE.sub(" ", text).strip().lower())


def forms(template: str) -> list[str]:
    """The literal forms a list entry stands for ("back of (my|the) leg": two)."""
    from hassil import parse_sentence

    return [normal(text) for text in expand(parse_sentence(template).expression, {}, 10_000, random.Random(0))]


def _unparsable(template: str) -> str | None:
    from hassil import parse_sentence

    try:
        parse_sentence(template)
    except Exception as exc:  # noqa: BLE001 - hassil raises several kinds
        return str(exc) or type(exc).__name__
    return None


def path(locale: str, root: Path = ROOT) -> Path:
    return root / locale / "sentences.yaml"


SETTINGS = ("language", "invocation", "fallback_sensitivity")
KNOWN = {*SETTINGS, "slots", "lists", "rules", "fillers", "intents"}


def _merged(locale: str, root: Path) -> tuple[str, object]:
    """The grammar files of ``locale``'s chain, the base's first, as one (name, data)."""
    files = [(f"{folder}/{path(folder, root).name}", path(folder, root)) for folder in chain(locale, root)
             if path(folder, root).is_file()]
    if not files:
        raise ContentError([f"{locale}: no {path(locale, root).name} in {' or '.join(chain(locale, root))}"])
    merged: dict = {}
    for name, where in files:
        try:
            data = _parse_yaml(where.read_bytes())
        except OSError as exc:
            raise ContentError([f"{name}: cannot be read: {exc}"]) from None
        except Exception as exc:  # noqa: BLE001 - a YAML error of any kind, reported like the rest
            raise ContentError([f"{name}: {exc}".replace("\n", " ")]) from None
        if len(files) == 1:
            return name, data
        if not isinstance(data, dict):
            raise ContentError([f"{name}: must be a mapping"])
        for key, value in data.items():
            if key in SETTINGS or key not in KNOWN:
                merged[key] = value
            elif key == "fillers":
                merged[key] = list(dict.fromkeys([*(merged.get(key) or []), *(value or [])]))
            elif key in ("slots", "rules"):
                merged[key] = {**(merged.get(key) or {}), **(value or {})}
            else:  # lists and intents: the locale's entries join the base's
                joined = dict(merged.get(key) or {})
                for name_, entries in (value or {}).items():
                    if key == "lists":
                        values = dict(joined.get(name_) or {})
                        for value_id, given in (entries or {}).items():
                            given = [given] if isinstance(given, str) else list(given or [])
                            values[value_id] = list(dict.fromkeys([*(values.get(value_id) or []), *given]))
                        joined[name_] = values
                    else:
                        joined[name_] = [*(joined.get(name_) or []), *(entries or [])]
                merged[key] = joined
    return "+".join(name for name, _ in files), merged


@functools.lru_cache(maxsize=None)
def grammar(locale: str, root: Path = ROOT) -> Grammar:
    name, data = _merged(locale, root)
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ContentError([f"{name}: must be a mapping"])
    problems += [f"{name}:{key}: unknown key (allowed: {', '.join(sorted(KNOWN))})" for key in data if key not in KNOWN]
    slots, lists = data.get("slots") or {}, data.get("lists") or {}
    rules, intents = data.get("rules") or {}, data.get("intents") or {}
    if data.get("fallback_sensitivity") not in FALLBACK_LEVELS:
        problems.append(f"{name}:fallback_sensitivity: must be one of {', '.join(FALLBACK_LEVELS)}")
    for slot, slot_type in slots.items():
        if slot_type not in lists and not is_built_in(slot_type):
            problems.append(f"{name}:slots.{slot}: no list for slot type {slot_type!r}")
    seen: dict[tuple[str, str], str] = {}
    expanded: dict[str, dict[str, tuple[str, ...]]] = {slot_type: {} for slot_type in lists}
    for slot_type, values in lists.items():
        for value_id, given in (values or {}).items():
            given = [given] if isinstance(given, str) else given
            if not given or not all(isinstance(f, str) for f in given):
                problems.append(f"{name}:lists.{slot_type}.{value_id}: must be a list of spoken forms")
                continue
            try:
                expanded[slot_type][value_id] = tuple(dict.fromkeys(f for form in given for f in forms(form)))
            except Exception as exc:  # noqa: BLE001 - hassil's parse errors, reported like the rest
                problems.append(f"{name}:lists.{slot_type}.{value_id}: not a template: {exc}")
                continue
            for form in expanded[slot_type][value_id]:
                where_form = f"{name}:lists.{slot_type}.{value_id}: {form!r}"
                if not _SPOKEN.fullmatch(form) or len(form) > MAX_VALUE_CHARS:
                    problems.append(f"{where_form} must be lower-case words of at most {MAX_VALUE_CHARS} characters")
                if (slot_type, form) in seen:
                    problems.append(f"{where_form} is also a form of {seen[slot_type, form]!r}")
                seen[slot_type, form] = value_id
    for intent, templates in intents.items():
        if not templates or not all(isinstance(t, str) for t in templates):
            problems.append(f"{name}:intents.{intent}: must be a list of templates")
            continue
        for i, template in enumerate(templates):
            if (trouble := _unparsable(template)) is not None:
                problems.append(f"{name}:intents.{intent}[{i}]: not a template: {trouble}")
            for slot in _SLOT.findall(template):
                if slot not in slots:
                    problems.append(f"{name}:intents.{intent}[{i}]: unknown slot {{{slot}}}")
            for rule in _RULE.findall(template):
                if rule not in rules:
                    problems.append(f"{name}:intents.{intent}[{i}]: unknown rule <{rule}>")
    fillers = data.get("fillers") or []
    problems += [f"{name}:fillers: unknown rule {rule!r}" for rule in fillers if rule not in rules]
    if problems:
        raise ContentError(problems)
    frozen = types.MappingProxyType
    return Grammar(
        locale=locale, language=str(data.get("language", "en")), invocation=str(data.get("invocation", "")),
        fallback_sensitivity=data["fallback_sensitivity"], slots=frozen(dict(slots)),
        lists=frozen({t: frozen(values) for t, values in expanded.items()}),
        rules=frozen(dict(rules)), fillers=frozenset(fillers), intents=frozen({i: tuple(t) for i, t in intents.items()}))


def locales(root: Path = ROOT) -> tuple[str, ...]:
    """The locales with a grammar (their own or a base's)."""
    from content import locales as content_locales

    return tuple(locale for locale in content_locales(root)
                 if any(path(folder, root).is_file() for folder in chain(locale, root)))
