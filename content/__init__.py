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
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from content import rules
from content.sources import GRAMMAR_FILE, _chain, _parse_yaml, _parsed, _sources  # noqa: F401 - the package's API
from content.sources import compile_locale as _compile
from content.sources import compiled_is_fresh as _fresh
from content.schema import LEVEL_URGENCY, PAUSE, ContentFile, Number, Phrase, Reference, Routine, Store, Tip, Triage
from content.validate import Invalid, build

ROOT = Path(__file__).resolve().parent
DEFAULT_LOCALE = "en-US"
# Items that carry medical facts must name their own sources and review date: every key under these
# prefixes that is not plain dialog (urgency info), and every emergency or urgent key.
MEDICAL_PREFIXES = ("relief.", "causes.", "doctor.", "aftercare.", "redflag.", "tip.", "triage.", "routine.")
# Dialog keys that carry a medical fact too (every emergency or urgent key does as well).
MEDICAL_KEYS = ("error.main", "goodbye.redflag", "stretch.not_easing", "stretch.clot_cue", "track.stretch_intro")

__all__ = ["Content", "ContentError", "Number", "Phrase", "Reference", "Routine", "Store", "Tip", "Triage", "chain",
           "load", "locales"]
# A locale is a folder named like an Alexa locale ("en-GB"); other folders ("en", "es") are bases
# that locales inherit from with ``parent:`` in their locale.yaml, overriding any key they name.
LOCALE_NAME = re.compile(r"[a-z]{2}-[A-Z]{2}")
# What a locale states itself, in its own folder: a base may not say it for the locales below it.
PHONE = rules.PHONE  # a phone number said in content
OWN_FIELDS = ("locale", "emergency_number", "emergency_spoken", "countries", "numbers")


class ContentError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"content has {len(problems)} problem(s):\n" + "\n".join(f"  {p}" for p in problems)
        )


@dataclass(frozen=True)
class Content:
    locale: str
    emergency_number: str  # as written ("999"; "000 (111 in New Zealand)")
    emergency_spoken: str  # as said ("nine nine nine"): how speech says the number
    countries: tuple[str, ...]  # ISO codes of the countries the locale serves (night without a zone)
    numbers: Mapping[str, Number]  # every phone number the locale's content says, with its sources
    chain: tuple[str, ...]  # the folders it was read from, the base first
    store: Store | None  # the store listing (the nearest folder's)
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
    return tuple(sorted(p.name for p in root.iterdir()
                        if p.is_dir() and LOCALE_NAME.fullmatch(p.name) and list(p.glob("*.yaml"))))


def compile_locale(locale: str, root: Path = ROOT) -> Path:
    """Write ``compiled/<locale>.json`` from the YAML files, once they load without a problem."""
    return _compile(locale, root)


def compiled_is_fresh(locale: str, root: Path = ROOT) -> bool:
    return _fresh(locale, root)


def chain(locale: str, root: Path = ROOT) -> tuple[str, ...]:
    """The folders ``locale`` is read from, the furthest base first (``("en", "en-GB")``)."""
    problems: list[str] = []
    found = _chain(locale, root, problems)
    if problems:
        raise ContentError(problems)
    return found


@functools.lru_cache(maxsize=None)
def load(locale: str = DEFAULT_LOCALE, root: Path = ROOT, strict: bool = False) -> Content:
    """The locale's content. From a fresh compiled file the spoken-length rules are not run again
    (they held when it was compiled, and tests run them); ``strict`` reads and checks the YAML."""
    folder = root / locale
    if not folder.is_dir():
        raise ContentError([f"{folder}: no content for locale {locale!r} (have {', '.join(locales(root))})"])
    problems: list[str] = []
    files: dict[str, ContentFile] = {}
    parsed, compiled, folders = _parsed(locale, root, problems, strict)
    for name, data in parsed.items():
        try:
            files[name] = build(ContentFile, data if data is not None else {})
        except Invalid as exc:
            problems.extend(f"{name}:{where}: {what}" for where, what in exc.problems)
    content = _merge(locale, folders, files, problems, spoken_rules=not compiled) if not problems else None
    if problems:
        raise ContentError(problems)
    return content


def _merge(locale: str, folders: tuple[str, ...], files: dict[str, ContentFile], problems: list[str],
           spoken_rules: bool = True) -> Content | None:
    """One locale's content from its chain's files, the base's first: a folder's key replaces the
    same key of a folder above it; within one folder a key is defined once."""
    merged: dict[str, dict] = {s: {} for s in ("muscles", "topics", "phrases", "routines", "triage", "references", "numbers")}
    origin: dict[tuple[str, str], str] = {}
    tips: dict[str, Tip] = {}
    own = {name: file for name, file in files.items() if name.partition("/")[0] == locale}
    for name, file in files.items():
        if name not in own:
            problems.extend(f"{name}:{field}: a base folder may not set it; each locale states its own"
                            for field in OWN_FIELDS if getattr(file, field))
    numbers = {f.emergency_number for f in own.values() if f.emergency_number}
    spoken = {f.emergency_spoken for f in own.values() if f.emergency_spoken}
    countries = [c for f in own.values() for c in f.countries]
    store = next((f.store for f in reversed(files.values()) if f.store is not None), None)

    def define(name: str, section: str, key: str) -> bool:
        earlier = origin.get((section, key))
        if earlier is not None and earlier.partition("/")[0] == name.partition("/")[0]:
            problems.append(f"{name}:{section}.{key}: already defined in {earlier}")
            return False
        origin[section, key] = name
        return True

    for name, file in files.items():
        for section, items in merged.items():
            for key, item in getattr(file, section).items():
                if not define(name, section, key):
                    continue
                if isinstance(item, Phrase) and item.urgency is None and file.urgency is not None:
                    item = dataclasses.replace(item, urgency=file.urgency)
                    # the schema checked the item's own urgency; the file's one is checked here
                    problems.extend(f"{name}:{section}.{key}.{p}" for p in item.delivery_problems())
                items[key] = item
        for i, tip in enumerate(file.tips):
            if define(name, "tips", tip.id):
                tips[tip.id] = tip
    topics = set(merged["topics"])
    for tip in tips.values():
        problems.extend(f"{origin['tips', tip.id]}:tips.{tip.id}.topics: unknown topic {topic!r}"
                        for topic in tip.topics if topic not in topics)
    problems.extend(f"{origin['numbers', kind]}:numbers.{kind}.sources: unknown source {source!r} (add it to references)"
                    for kind, number in merged["numbers"].items() for source in number.sources
                    if source not in merged["references"])

    # Tips, triage answers and routine steps are spoken by key like any phrase.
    phrases = merged["phrases"]
    derived = [(f"tip.{t.id}", t.say, t, "routine") for t in tips.values()]
    derived += [(f"triage.{symptom}", entry.say, entry, entry.urgency or LEVEL_URGENCY[entry.level])
                for symptom, entry in merged["triage"].items()]
    derived += [(f"routine.{muscle}.{i}", (step.say,), routine, "routine")
                for muscle, routine in merged["routines"].items() for i, step in enumerate(routine.steps, 1)]
    for key, say, item, urgency in derived:
        if key in phrases:
            problems.append(f"{origin.get(('phrases', key), locale)}:phrases.{key}: clashes with the key "
                            f"made for a tip, triage answer or routine step")
        phrases[key] = Phrase(say=say, sources=item.sources, reviewed=item.reviewed, urgency=urgency)

    known = {_digits(n.number) for n in merged["numbers"].values()}
    said_number = next(iter(spoken), "")  # the lengths count the number as it is said
    for key, phrase in phrases.items():
        where = f"{origin.get(('phrases', key), locale)}:phrases.{key}"
        problems.extend(_phrase_problems(key, phrase, where, merged["references"], spoken_rules, said_number))
        problems.extend(f"{where}: says the number {said!r}, which is not one of {locale}'s checked numbers"
                        for text in (*phrase.say, *phrase.short)
                        for said in PHONE.findall(PAUSE.sub(" ", text)) if _digits(said) not in known)
    for muscle, routine in merged["routines"].items() if spoken_rules else ():
        for i, step in enumerate(routine.steps):
            problems.extend(f"{origin['routines', muscle]}:routines.{muscle}.steps[{i}]: {problem}"
                            for problem in rules.problems(step.say, "routine", hold=step.hold, number=said_number))
    for muscle in merged["muscles"]:
        if muscle not in merged["routines"]:
            problems.append(f"{locale}:routines: no routine for muscle {muscle!r}")
        if f"relief.{muscle}" not in phrases:
            problems.append(f"{locale}:phrases: no relief.{muscle} for muscle {muscle!r}")
    if len(numbers) != 1:
        problems.append(f"{locale}: needs exactly one emergency_number in its own folder, found {sorted(numbers)}")
    if len(spoken) != 1:
        problems.append(f"{locale}: needs exactly one emergency_spoken (how the number is said) in its own folder")
    if not countries:
        problems.append(f"{locale}: needs the countries it serves (ISO codes) in its own folder")
    if "emergency" not in merged["numbers"] or numbers and merged["numbers"]["emergency"].number not in next(iter(numbers)):
        problems.append(f"{locale}:numbers.emergency: needs the emergency number it says, with its sources")
    if problems:
        return None
    frozen = {s: types.MappingProxyType(v) for s, v in merged.items()}
    return Content(locale=locale, emergency_number=numbers.pop(), emergency_spoken=spoken.pop(),
                   countries=tuple(countries), chain=folders, store=store, tips=tuple(tips.values()), **frozen)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _phrase_problems(key: str, phrase: Phrase, where: str, references: Mapping[str, object],
                     spoken_rules: bool, number: str = "") -> list[str]:
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
                        for name, i, text in variants
                        for problem in rules.problems(text, phrase.urgency or "info", number=number))
    return problems
