"""Content is data checked by tests: schema, coverage of the brief, and keys used both ways."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import content
from tests import fixtures

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("skill", "speech")
DERIVED = ("tip.", "triage.", "routine.")  # keys made from structured sections


def test_every_locale_loads():
    assert content.locales(), "no content at all"
    for locale in content.locales():
        assert content.load(locale).phrases


def test_load_is_cached_once_per_process():
    assert content.load("en-US") is content.load("en-US")


def test_loaded_content_is_immutable():
    loaded = content.load()
    with pytest.raises(TypeError):
        loaded.phrases["new"] = None
    with pytest.raises(AttributeError):
        loaded.locale = "fr-FR"


def _problems(locale: str) -> list[str]:
    with pytest.raises(content.ContentError) as caught:
        content.load(locale, fixtures.BROKEN_CONTENT)
    assert str(caught.value).count("\n") == len(caught.value.problems), "one error listing every problem"
    return caught.value.problems


BROKEN = {
    # each file alone breaks the schema
    "xx-XX": [
        "xx-XX/a.yaml:phrasez: unknown key",
        "xx-XX/a.yaml:phrases.relief.calf.say[0]: pause of 40.0s",
        "xx-XX/a.yaml:phrases.greeting.say[1]: uses slots ['nickname']",
        "xx-XX/a.yaml:phrases.brackets.say[0]: square brackets",
        "xx-XX/a.yaml:phrases.empty.say: needs at least one variant",
        "xx-XX/a.yaml:phrases.moody.night: must be one of",
        "xx-XX/a.yaml:routines.calf.steps[0].hold: 90 is outside",
        "xx-XX/a.yaml:routines.calf.steps[0].say: a routine step takes no slots",
        "xx-XX/a.yaml:routines.calf.steps[1].say: is required",
        "xx-XX/a.yaml:routines.calf.reviewed: must be a date",
        "xx-XX/a.yaml:triage.swelling.level: must be one of",
        # the delivery rule: emergency and urgent keys are never quiet, never shortened
        "xx-XX/a.yaml:phrases.hushed.night: an emergency key is always said at normal volume",
        "xx-XX/a.yaml:phrases.clipped.short: an urgent key is said in full",
        "xx-XX/a.yaml:phrases.rushed.urgency: must be one of",
        "xx-XX/a.yaml:triage.warmth.urgency: 'routine' is lower",
        "xx-XX/a.yaml:references.plain.url: must be an https:// address",
    ],
    # each file is valid alone; together they are not
    "zz-ZZ": [
        "zz-ZZ/a.yaml:tips.drink.topics: unknown topic 'astrology'",
        "zz-ZZ/b.yaml:phrases.greeting: already defined in zz-ZZ/a.yaml",
        "zz-ZZ/a.yaml:phrases.tip.drink: clashes",
        "zz-ZZ/a.yaml:phrases.relief.calf: medical content needs its own sources",
        "zz-ZZ/b.yaml:phrases.unmarked: needs an urgency",
        # content.rules: the urgent line first, lengths, and sources that exist
        "zz-ZZ/c.yaml:phrases.doctor.late.say[0]: the emergency number must come in the first sentence",
        "zz-ZZ/c.yaml:phrases.doctor.whispered.say[0]: says the emergency number, so its urgency must be",
        "zz-ZZ/c.yaml:phrases.doctor.numberless.say[0]: an emergency answer must say the emergency number",
        "zz-ZZ/c.yaml:phrases.doctor.unsourced.sources: unknown source 'nowhere'",
        "zz-ZZ/c.yaml:phrases.doctor.long.say[0]: about 2",
        "zz-ZZ/c.yaml:phrases.doctor.long.say[0]: a sentence of 2",
        "zz-ZZ/d.yaml:phrases.doctor.hushed_by_file.night: an urgent key is always said at normal volume",
        "zz-ZZ:routines: no routine for muscle 'knee'",
        "zz-ZZ:phrases: no relief.knee",
        "zz-ZZ: needs exactly one emergency_number",
        "zz-ZZ: needs exactly one emergency_spoken",
        "zz-ZZ: needs the countries it serves",
        "zz-ZZ:numbers.emergency: needs the emergency number it says",
    ],
}


@pytest.mark.parametrize("locale", sorted(BROKEN))
def test_every_problem_is_reported_with_file_and_path(locale):
    problems = _problems(locale)
    for start in BROKEN[locale]:
        assert any(p.startswith(start) for p in problems), f"{start!r} not in {problems}"
    assert len(problems) == len(BROKEN[locale])


def test_yaml_syntax_error_names_the_file():
    assert _problems("yy-YY")[0].startswith("yy-YY/bad.yaml: ")


def test_unknown_locale_is_a_clear_error():
    with pytest.raises(content.ContentError, match="no content for locale 'tlh-KL'"):
        content.load("tlh-KL")


# --- keys used in code <-> keys in content, both ways --------------------------------------


def _code():
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            yield from ast.walk(ast.parse(path.read_text()))


def _prefix(node) -> str | None:
    if isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
        return node.values[0].value
    return None


def _used_keys() -> tuple[dict[str, set[str]], set[str]]:
    """Literal keys passed to .say(...) with their slot names, and prefixes of f-string keys."""
    literal: dict[str, set[str]] = {}
    prefixes: set[str] = set()
    for node in _code():
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "say":
            key = node.args[0] if node.args else None
            for choice in (key.body, key.orelse) if isinstance(key, ast.IfExp) else (key,):
                if isinstance(choice, ast.Constant) and isinstance(choice.value, str):
                    literal.setdefault(choice.value, set()).update(k.arg for k in node.keywords)
                elif prefix := _prefix(choice):
                    prefixes.add(prefix)
    return literal, prefixes


def _all_strings() -> set[str]:
    return {n.value for n in _code() if isinstance(n, ast.Constant) and isinstance(n.value, str)}


@pytest.mark.parametrize("locale", content.locales())
def test_every_key_used_in_code_exists_with_its_slots(locale):
    loaded = content.load(locale)
    literal, prefixes = _used_keys()
    assert literal and prefixes
    for key, slots in literal.items():
        assert key in loaded.phrases, f"{locale} has no {key}"
        assert slots == set(loaded.phrases[key].slots) - {"emergency_number"}, key
    for prefix in prefixes:
        assert any(k.startswith(prefix) for k in loaded.phrases), f"{locale} has nothing under {prefix}"


@pytest.mark.parametrize("locale", content.locales())
def test_every_key_in_content_is_used(locale):
    _, prefixes = _used_keys()
    strings = _all_strings()  # keys chosen in code before .say() count as used
    unused = [k for k in content.load(locale).phrases
              if k not in strings and not k.startswith(tuple(prefixes) + DERIVED)]
    assert not unused


@pytest.mark.parametrize("locale", content.locales())
def test_every_muscle_has_relief_and_a_routine_in_the_code_paths(locale):
    loaded = content.load(locale)
    for muscle in loaded.muscles:
        assert f"relief.{muscle}" in loaded.phrases and loaded.routines[muscle].steps


# --- the brief: CONTENT.md, in every locale ---------------------------------------------------

FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(\s|$)")
LOCALES = content.locales()
# Pointing the toes shortens the calf: the wrong move for a calf cramp, in each language's words.
POINT_THE_TOES = {"en": ("point your toes",), "es": ("apunta los dedos", "apunta con los dedos", "estira la punta")}


@pytest.mark.parametrize("locale", LOCALES)
def test_relief_starts_with_the_action(locale):
    """Mid-cramp answers: the first sentence is the instruction, a dozen words or so at most."""
    loaded = content.load(locale)
    for key in [k for k in loaded.phrases if k.startswith("relief.")]:
        for variant in loaded.phrases[key].say:
            first = FIRST_SENTENCE.match(variant)[1]
            assert len(first.split()) <= 14, f"{locale} {key}: first sentence too long: {first!r}"


@pytest.mark.parametrize("locale", LOCALES)
def test_calf_is_never_told_to_point_the_toes(locale):
    loaded = content.load(locale)
    texts = list(loaded.phrases["relief.calf"].say) + [s.say for s in loaded.routines["calf"].steps]
    assert not [t for t in texts for wrong in POINT_THE_TOES[locale[:2]] if wrong in t.lower()]


@pytest.mark.parametrize("locale", LOCALES)
def test_tips_cover_every_topic_and_bedtime(locale):
    loaded = content.load(locale)
    assert len(loaded.tips) >= 15
    assert sum(t.bedtime for t in loaded.tips) >= 7
    for topic in loaded.topics:
        assert any(topic in t.topics for t in loaded.tips), f"no tip for {topic}"


@pytest.mark.parametrize("locale", LOCALES)
def test_routines_have_timed_holds_of_a_proper_stretch(locale):
    for muscle, routine in content.load(locale).routines.items():
        holds = [s.hold for s in routine.steps if s.hold]
        assert holds and all(15 <= h <= 30 for h in holds), muscle


@pytest.mark.parametrize("locale", LOCALES)
def test_triage_covers_every_level(locale):
    levels = {t.level for t in content.load(locale).triage.values()}
    assert levels == {"emergency", "urgent", "doctor", "ordinary"}


def test_emergency_number_comes_from_the_locale():
    assert content.load().emergency_number == "911"
    assert (content.load("en-GB").emergency_number, content.load("en-GB").emergency_spoken) == ("999", "nine nine nine")
    for locale in LOCALES:
        loaded = content.load(locale)
        for key in ("triage.chest_pain", "triage.breathlessness", "triage.sudden_weakness", "doctor.emergency"):
            assert "emergency_number" in loaded.phrases[key].slots, (locale, key)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_medical_item_names_its_own_sources_and_review_date(locale):
    loaded = content.load(locale)
    medical = [k for k, p in loaded.phrases.items()
               if p.loud or p.urgency != "info" and k.startswith(content.MEDICAL_PREFIXES + content.MEDICAL_KEYS)]
    assert len(medical) > 60
    for key in medical:
        phrase = loaded.phrases[key]
        assert phrase.sources and phrase.reviewed, key
        assert set(phrase.sources) <= set(loaded.references), key
    assert all(ref.url.startswith("https://") for ref in loaded.references.values())


@pytest.mark.parametrize("locale", LOCALES)
def test_often_heard_keys_have_several_phrasings(locale):
    phrases = content.load(locale).phrases
    for key in ("relief.calf", "stretch.next_prompt", "launch.offer", "goodbye.main", "fallback.main"):
        assert len(phrases[key].say) >= 3, (locale, key)


# --- compiled content: the parsed YAML a cold start reads instead of importing the parser -------


@pytest.mark.parametrize("locale", content.locales())
def test_compiled_content_matches_the_yaml(locale):
    assert content.compiled_is_fresh(locale), (
        f"content/compiled/{locale}.json does not match content/{locale}/*.yaml: run `cramp-coach check --compile`")
    files = json.loads((content.ROOT / "compiled" / f"{locale}.json").read_text())["files"]
    assert files == {name: content._parse_yaml(data) for name, data in content._sources(content.ROOT, content.chain(locale)).items()}


def test_stale_compiled_content_is_ignored_and_the_yaml_read(tmp_path):
    root = tmp_path / "content"
    for folder in content.chain("en-US"):
        shutil.copytree(content.ROOT / folder, root / folder)
    content.compile_locale("en-US", root)
    assert content.compiled_is_fresh("en-US", root)
    dialog = root / "en" / "dialog.yaml"  # a base's file: the locale's compiled content goes stale too
    said = content.load("en-US").phrases["quiet.off"].say[0]  # whatever the sentence is today
    dialog.write_text(dialog.read_text().replace(said, "Normal voice it is."))
    assert not content.compiled_is_fresh("en-US", root)
    fresh_load = content.load.__wrapped__  # past the per-process cache, which holds the compiled load
    assert fresh_load("en-US", root).phrases["quiet.off"].say[0] == "Normal voice it is."
    garbled = root / "compiled" / "en-US.json"
    garbled.write_text("{not json")
    assert not content.compiled_is_fresh("en-US", root)


def test_a_cold_start_does_not_import_the_yaml_parser():
    code = ("import sys, json; import skill.lambda_function as f; "
            "print(json.dumps(['yaml' in sys.modules, 'zoneinfo' in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True,
                          env={**os.environ, "CRAMP_COACH_STORE": "none"})
    assert json.loads(done.stdout.splitlines()[-1]) == [False, False]


# --- inheritance: a locale's folder over its base's ---------------------------------------------

LOCALE_YAML = """locale: {locale}
parent: {parent}
countries: [GB]
emergency_number: "999"
emergency_spoken: "nine nine nine"
numbers:
  emergency: {{number: "999", use: emergency, sources: [official], reviewed: 2026-12-01}}
references:
  official: {{title: Official, url: "https://example.org/999"}}
"""
BASE_YAML = """urgency: info
muscles: {calf: calf}
phrases:
  greeting: {say: ["Hello."]}
  farewell: {say: ["Bye.", "Goodbye."]}
  relief.calf: {urgency: routine, sources: [official], reviewed: 2026-12-01, say: ["Pull your toes up."]}
routines:
  calf: {sources: [official], reviewed: 2026-12-01, steps: [{say: "Sit down."}]}
"""


def _tree(tmp_path, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_a_locale_inherits_its_base_and_replaces_the_keys_it_names(tmp_path):
    root = _tree(tmp_path, {"base/a.yaml": BASE_YAML, "ww-WW/locale.yaml": LOCALE_YAML.format(locale="ww-WW", parent="base"),
                            "ww-WW/b.yaml": "urgency: info\nphrases:\n  farewell: {say: [\"Cheerio.\"]}\n"})
    loaded = content.load.__wrapped__("ww-WW", root, strict=True)
    assert loaded.chain == ("base", "ww-WW") and content.locales(root) == ("ww-WW",)  # a base is no locale
    assert loaded.phrases["greeting"].say == ("Hello.",)  # inherited
    assert loaded.phrases["farewell"].say == ("Cheerio.",)  # replaced whole, both variants
    content.compile_locale("ww-WW", root)
    assert content.compiled_is_fresh("ww-WW", root)
    (root / "base" / "a.yaml").write_text(BASE_YAML.replace("Hello.", "Hi."))
    assert not content.compiled_is_fresh("ww-WW", root)  # the base changed: the locale's compiled copy is stale
    assert content.load.__wrapped__("ww-WW", root).phrases["greeting"].say == ("Hi.",)


@pytest.mark.parametrize(("files", "expected"), [
    ({"base/a.yaml": BASE_YAML + 'emergency_number: "112"\n'},
     "base/a.yaml:emergency_number: a base folder may not set it"),
    ({"base/a.yaml": BASE_YAML + "parent: ww-WW\n"}, "parent 'ww-WW' is not a content folder outside its own chain"),
    ({"base/a.yaml": BASE_YAML, "ww-WW/b.yaml": "urgency: info\nphrases:\n  greeting: {say: [\"Call 118 118.\"]}\n"},
     "says the number '118 118', which is not one of ww-WW's checked numbers"),
    ({"base/a.yaml": BASE_YAML.replace("Hello.", "Call 999 now.")}, None),  # a checked number may be said
])
def test_what_a_base_and_a_locale_may_not_do(tmp_path, files, expected):
    root = _tree(tmp_path, {"ww-WW/locale.yaml": LOCALE_YAML.format(locale="ww-WW", parent="base"), **files})
    if expected is None:
        assert content.load.__wrapped__("ww-WW", root, strict=True).phrases["greeting"]
        return
    with pytest.raises(content.ContentError) as caught:
        content.load.__wrapped__("ww-WW", root, strict=True)
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems
