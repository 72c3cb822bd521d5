"""What Cramp Coach knows and says, loaded once per process from the YAML files beside this module.

``load(locale)`` returns an immutable, validated ``Content``. A broken file raises one
``ContentError`` that lists every problem as ``file:path: message``.

The YAML files are the source. ``compiled/<locale>.json`` holds the same data already parsed,
with a checksum of the YAML it came from (``cramp-coach check --compile`` writes it): when the
checksum matches, ``load`` reads that instead of importing and running the YAML parser, which
is most of a Lambda cold start's content work. When it does not, the YAML is read as usual.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from content import rules
from content.schema import LEVEL_URGENCY, ContentFile, Invalid, Phrase, Reference, Routine, Tip, Triage, build

ROOT = Path(__file__).resolve().parent
DEFAULT_LOCALE = "en-US"
# Items that carry medical facts must name their own sources and review date: every key under these
# prefixes that is not plain dialog (urgency info), and every emergency or urgent key.
MEDICAL_PREFIXES = ("relief.", "causes.", "doctor.", "aftercare.", "redflag.", "tip.", "triage.", "routine.")
# Dialog keys that carry a medical fact too (every emergency or urgent key does as well).
MEDICAL_KEYS = ("error.main", "goodbye.redflag", "stretch.not_easing", "stretch.clot_cue", "track.stretch_intro")

__all__ = ["Content", "ContentError", "Phrase", "Reference", "Routine", "Tip", "Triage", "load", "locales"]


class ContentError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"content has {len(problems)} problem(s):\n" + "\n".join(f"  {p}" for p in problems)
        )


@dataclass(frozen=True)
class Content:
    locale: str
    emergency_number: str
    muscles: Mapping[str, str]
    topics: Mapping[str, str]
    phrases: Mapping[str, Phrase]
    routines: Mapping[str, Routine]
    tips: tuple[Tip, ...]
    triage: Mapping[str, Triage]
    references: Mapping[str, Reference]

    def phrase(self, key: str) -> Phrase:
        try:
            return self.phrases[key]
        except KeyError:
            raise KeyError(f"no content key {key!r} in {self.locale}") from None

    def tip(self, tip_id: str) -> Tip:
        return next(t for t in self.tips if t.id == tip_id)


def locales(root: Path = ROOT) -> tuple[str, ...]:
    return tuple(sorted(p.name for p in root.iterdir() if p.is_dir() and list(p.glob("*.yaml"))))


@functools.lru_cache(maxsize=None)
def load(locale: str = DEFAULT_LOCALE, root: Path = ROOT, strict: bool = False) -> Content:
    """The locale's content. From a fresh compiled file the spoken-length rules are not run again
    (they held when it was compiled, and tests run them); ``strict`` reads and checks the YAML."""
    folder = root / locale
    if not folder.is_dir():
        raise ContentError([f"{folder}: no content for locale {locale!r} (have {', '.join(locales(root))})"])
    problems: list[str] = []
    files: dict[str, ContentFile] = {}
    parsed, compiled = _parsed(locale, root, problems, strict)
    for name, data in parsed.items():
        try:
            files[name] = build(ContentFile, data if data is not None else {})
        except Invalid as exc:
            problems.extend(f"{name}:{where}: {what}" for where, what in exc.problems)
    content = _merge(locale, files, problems, spoken_rules=not compiled) if not problems else None
    if problems:
        raise ContentError(problems)
    return content


def compile_locale(locale: str, root: Path = ROOT) -> Path:
    """Write ``compiled/<locale>.json`` from the YAML files, once they load without a problem."""
    load(locale, root, strict=True)
    sources = _sources(root / locale)
    parsed = {name: _parse_yaml(text) for name, text in sources.items()}
    target = root / "compiled" / f"{locale}.json"
    target.parent.mkdir(exist_ok=True)
    body = json.dumps({"checksum": _checksum(sources), "files": parsed}, ensure_ascii=False, indent=1, sort_keys=True)
    target.write_text(body + "\n", encoding="utf-8")
    return target


def compiled_is_fresh(locale: str, root: Path = ROOT) -> bool:
    return _compiled(locale, root, _sources(root / locale)) is not None


GRAMMAR_FILE = "sentences.yaml"  # what people say: content.grammar reads it, the answer path never does


def _sources(folder: Path) -> dict[str, bytes]:
    return {f"{folder.name}/{path.name}": path.read_bytes() for path in sorted(folder.glob("*.yaml"))
            if path.name != GRAMMAR_FILE}


def _checksum(sources: dict[str, bytes]) -> str:
    # Change detection, not security: crc32 needs no hashlib import on the cold-start path.
    crc = 0
    for name, data in sources.items():
        crc = zlib.crc32(data, zlib.crc32(name.encode() + b"\0", crc))
    return f"{crc:08x}-{sum(map(len, sources.values()))}"


def _compiled(locale: str, root: Path, sources: dict[str, bytes]) -> dict | None:
    try:
        compiled = json.loads((root / "compiled" / f"{locale}.json").read_bytes())
    except (OSError, ValueError):
        return None
    fresh = (isinstance(compiled, dict) and compiled.get("checksum") == _checksum(sources)
             and isinstance(compiled.get("files"), dict) and set(compiled["files"]) == set(sources))
    return compiled["files"] if fresh else None


def _parsed(locale: str, root: Path, problems: list[str], strict: bool) -> tuple[dict[str, object], bool]:
    """Each file's data: from the compiled JSON when it matches the YAML (and not ``strict``), else
    from the YAML; and whether it came from the compiled JSON."""
    sources = _sources(root / locale)
    if not strict and (compiled := _compiled(locale, root, sources)) is not None:
        return compiled, True
    import yaml

    parsed = {}
    for name, text in sources.items():
        try:
            parsed[name] = _parse_yaml(text)
        except yaml.YAMLError as exc:
            problems.append(f"{name}: {exc}".replace("\n", " "))
    return parsed, False


def _parse_yaml(text: bytes):
    import yaml

    return yaml.load(text.decode("utf-8"), Loader=_yaml_loader())


@functools.cache
def _yaml_loader():
    """Safe YAML without implicit dates: the schema parses them, so a bad date is reported like
    any other problem instead of aborting the load."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = type("ContentLoader", (base,), {})
    loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    return loader


def _merge(locale: str, files: dict[str, ContentFile], problems: list[str], spoken_rules: bool = True) -> Content | None:
    merged: dict[str, dict] = {s: {} for s in ("muscles", "topics", "phrases", "routines", "triage", "references")}
    origin: dict[tuple[str, str], str] = {}
    tips: list[Tip] = []
    numbers = {f.emergency_number for f in files.values() if f.emergency_number}

    for name, file in files.items():
        for section, items in merged.items():
            for key, item in getattr(file, section).items():
                if (section, key) in origin:
                    problems.append(f"{name}:{section}.{key}: already defined in {origin[section, key]}")
                    continue
                origin[section, key] = name
                if isinstance(item, Phrase) and item.urgency is None and file.urgency is not None:
                    item = dataclasses.replace(item, urgency=file.urgency)
                    # the schema checked the item's own urgency; the file's one is checked here
                    problems.extend(f"{name}:{section}.{key}.{p}" for p in item.delivery_problems())
                items[key] = item
        for i, tip in enumerate(file.tips):
            if ("tips", tip.id) in origin:
                problems.append(f"{name}:tips[{i}].id: {tip.id!r} already defined in {origin['tips', tip.id]}")
            origin["tips", tip.id] = name
            tips.append(tip)
            for topic in tip.topics:
                if topic not in {t for f in files.values() for t in f.topics}:
                    problems.append(f"{name}:tips[{i}].topics: unknown topic {topic!r}")

    # Tips, triage answers and routine steps are spoken by key like any phrase.
    phrases = merged["phrases"]
    derived = [(f"tip.{t.id}", t.say, t, "routine") for t in tips]
    derived += [(f"triage.{symptom}", entry.say, entry, entry.urgency or LEVEL_URGENCY[entry.level])
                for symptom, entry in merged["triage"].items()]
    derived += [(f"routine.{muscle}.{i}", (step.say,), routine, "routine")
                for muscle, routine in merged["routines"].items() for i, step in enumerate(routine.steps, 1)]
    for key, say, item, urgency in derived:
        if key in phrases:
            problems.append(f"{origin.get(('phrases', key), locale)}:phrases.{key}: clashes with the key "
                            f"made for a tip, triage answer or routine step")
        phrases[key] = Phrase(say=say, sources=item.sources, reviewed=item.reviewed, urgency=urgency)

    for key, phrase in phrases.items():
        where = f"{origin.get(('phrases', key), locale)}:phrases.{key}"
        problems.extend(_phrase_problems(key, phrase, where, merged["references"], spoken_rules))
    for muscle, routine in merged["routines"].items() if spoken_rules else ():
        for i, step in enumerate(routine.steps):
            problems.extend(f"{origin['routines', muscle]}:routines.{muscle}.steps[{i}]: {problem}"
                            for problem in rules.problems(step.say, "routine", hold=step.hold))
    for muscle in merged["muscles"]:
        if muscle not in merged["routines"]:
            problems.append(f"{locale}:routines: no routine for muscle {muscle!r}")
        if f"relief.{muscle}" not in phrases:
            problems.append(f"{locale}:phrases: no relief.{muscle} for muscle {muscle!r}")
    if len(numbers) != 1:
        problems.append(f"{locale}: needs exactly one emergency_number, found {sorted(numbers)}")
    if problems:
        return None
    frozen = {s: types.MappingProxyType(v) for s, v in merged.items()}
    return Content(locale=locale, emergency_number=numbers.pop(), tips=tuple(tips), **frozen)


def _phrase_problems(key: str, phrase: Phrase, where: str, references: Mapping[str, object],
                     spoken_rules: bool) -> list[str]:
    problems = []
    if phrase.urgency is None:
        problems.append(f"{where}: needs an urgency (emergency, urgent, routine or info; here or at the top of the file)")
    medical = phrase.loud or phrase.urgency != "info" and (key.startswith(MEDICAL_PREFIXES) or key in MEDICAL_KEYS)
    if medical and not (phrase.sources and phrase.reviewed):
        problems.append(f"{where}: medical content needs its own sources and reviewed date")
    problems.extend(f"{where}.sources: unknown source {source!r} (add it to references)"
                    for source in phrase.sources if source not in references)
    if spoken_rules and not key.startswith("routine."):  # steps are checked with their holds
        variants = [("say", i, t) for i, t in enumerate(phrase.say)]
        variants += [("short", i, t) for i, t in enumerate(phrase.short)]
        problems.extend(f"{where}.{name}[{i}]: {problem}"
                        for name, i, text in variants for problem in rules.problems(text, phrase.urgency or "info"))
    return problems
