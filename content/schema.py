"""Typed, immutable model of the content files. ``content.validate.build`` makes them from YAML
data: it walks these classes' type hints, so the schema lives in one place, here.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from dataclasses import dataclass, field
from typing import Literal

PAUSE = re.compile(r"\[pause (\d+(?:\.\d+)?)(s|ms)\]")
MAX_PAUSE_SECONDS = 30.0

Urgency = Literal["emergency", "urgent", "routine", "info"]
Night = Literal["whisper", "soft", "normal", "skip"]
# Said at normal volume and rate whatever the clock or the user's voice choice: a person must hear
# "call 911 now" clearly. The quiet night voice is for relief, routines, tips and chat only.
LOUD: frozenset[str] = frozenset({"emergency", "urgent"})
# A triage level's delivery unless the entry asks for more (never less).
LEVEL_URGENCY = {"emergency": "emergency", "urgent": "urgent", "doctor": "routine", "ordinary": "routine"}
URGENCY_RANK = {"info": 0, "routine": 1, "urgent": 2, "emergency": 3}


def pause_seconds(match: re.Match) -> float:
    """The length of a ``[pause Ns]`` / ``[pause Nms]`` mark matched by PAUSE, in seconds."""
    return float(match[1]) / (1000 if match[2] == "ms" else 1)


def placeholders(text: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


@dataclass(frozen=True)
class Phrase:
    """Several ways of saying one thing; any variant may be chosen."""

    say: tuple[str, ...]
    sources: tuple[str, ...] = ()
    reviewed: dt.date | None = None
    urgency: Urgency | None = None  # None: the file's urgency (the loader requires one)
    night: Night | None = None  # skip: left out at night. None: normal if loud, else soft
    short: tuple[str, ...] = ()  # briefer variants, said instead at night

    @property
    def slots(self) -> frozenset[str]:
        return placeholders(self.say[0])

    @property
    def loud(self) -> bool:
        return self.urgency in LOUD

    def delivery_problems(self) -> list[str]:
        """An emergency or urgent key marked to be quiet or shortened at night."""
        problems = []
        if self.loud and self.night not in (None, "normal"):
            problems.append(f"night: an {self.urgency} key is always said at normal volume, not {self.night!r}")
        if self.loud and self.short:
            problems.append(f"short: an {self.urgency} key is said in full at night too")
        return problems

    @property
    def delivery(self) -> Night:
        """How it is said at night (and in whisper mode)."""
        return self.night or ("normal" if self.loud else "soft")

    def check(self) -> list[str]:
        problems = []
        if not self.say:
            problems.append("say: needs at least one variant")
        problems += self.delivery_problems()
        variants = [("say", i, t) for i, t in enumerate(self.say)]
        for field_name, i, text in variants + [("short", i, t) for i, t in enumerate(self.short)]:
            if not text.strip():
                problems.append(f"{field_name}[{i}]: is empty")
            try:
                found = placeholders(text)
            except ValueError as exc:
                problems.append(f"{field_name}[{i}]: bad placeholder: {exc}")
                continue
            if found != self.slots:
                problems.append(
                    f"{field_name}[{i}]: uses slots {sorted(found)} but say[0] uses {sorted(self.slots)}"
                )
            for match in PAUSE.finditer(text):
                seconds = pause_seconds(match)
                if seconds > MAX_PAUSE_SECONDS:
                    problems.append(f"{field_name}[{i}]: pause of {seconds}s is longer than {MAX_PAUSE_SECONDS}s")
            if "[" in PAUSE.sub("", text) or "]" in PAUSE.sub("", text):
                problems.append(f"{field_name}[{i}]: square brackets are only for [pause Ns] marks")
        return problems


@dataclass(frozen=True)
class Step:
    say: str
    hold: int = 0

    def check(self) -> list[str]:
        problems = [] if self.say.strip() else ["say: is empty"]
        if not 0 <= self.hold <= 60:
            problems.append(f"hold: {self.hold} is outside 0-60 seconds")
        if placeholders(self.say):
            problems.append("say: a routine step takes no slots")
        return problems


@dataclass(frozen=True)
class Routine:
    steps: tuple[Step, ...]
    sources: tuple[str, ...] = ()
    reviewed: dt.date | None = None

    def check(self) -> list[str]:
        return [] if self.steps else ["steps: needs at least one step"]


@dataclass(frozen=True)
class Tip:
    id: str
    topics: tuple[str, ...]
    say: tuple[str, ...]
    bedtime: bool = False
    sources: tuple[str, ...] = ()
    reviewed: dt.date | None = None

    def check(self) -> list[str]:
        problems = [] if self.say else ["say: needs at least one variant"]
        return problems + ([] if self.topics else ["topics: needs at least one topic"])


@dataclass(frozen=True)
class Triage:
    level: Literal["emergency", "urgent", "doctor", "ordinary"]
    say: tuple[str, ...]
    sources: tuple[str, ...] = ()
    reviewed: dt.date | None = None
    urgency: Urgency | None = None  # None: as the level says (LEVEL_URGENCY); may only raise it

    def check(self) -> list[str]:
        if self.urgency is not None and URGENCY_RANK[self.urgency] < URGENCY_RANK[LEVEL_URGENCY[self.level]]:
            return [f"urgency: {self.urgency!r} is lower than a {self.level!r} level allows"]
        return []


@dataclass(frozen=True)
class Reference:
    """A source that content items name by id in their ``sources``."""

    title: str
    url: str

    def check(self) -> list[str]:
        return [] if self.url.startswith("https://") else [f"url: must be an https:// address, not {self.url!r}"]


@dataclass(frozen=True)
class Number:
    """A phone number the content says, checked against the official sources it names."""

    number: str
    use: str  # what it is for, for editors ("emergency: police, fire, ambulance")
    sources: tuple[str, ...]
    reviewed: dt.date

    def check(self) -> list[str]:
        problems = [] if re.fullmatch(r"[0-9][0-9 ]*[0-9]", self.number) else [f"number: digits only, not {self.number!r}"]
        return problems + ([] if self.sources else ["sources: name the official source it was checked against"])


@dataclass(frozen=True)
class Store:
    """The skill's store listing in one locale (skill.json's publishing information): read, not
    spoken, so the spoken-length rules do not apply; the description may say {emergency_number}."""

    name: str
    summary: str
    description: str
    examples: tuple[str, ...]  # example phrases, "Alexa, open cramp coach" first
    keywords: tuple[str, ...]

    def check(self) -> list[str]:
        problems = [] if len(self.summary) <= 160 else [f"summary: {len(self.summary)} characters (Alexa allows 160)"]
        problems += [] if len(self.description) <= 4000 else ["description: over Alexa's 4000 characters"]
        problems += [] if 1 <= len(self.examples) <= 3 else ["examples: Alexa takes one to three example phrases"]
        return problems + ([] if len(self.keywords) <= 30 else ["keywords: Alexa takes at most 30"])


@dataclass(frozen=True)
class ContentFile:
    """One YAML file. Every section is optional. Sources and review dates go on each item;
    ``urgency`` is the default for the file's phrases."""

    urgency: Urgency | None = None
    locale: str | None = None
    parent: str | None = None  # the base folder this locale inherits from (locale.yaml)
    emergency_number: str | None = None  # as written; its digits are numbers.emergency
    emergency_spoken: str | None = None  # as said, in words
    countries: tuple[str, ...] = ()
    numbers: dict[str, Number] = field(default_factory=dict)
    muscles: dict[str, str] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)
    phrases: dict[str, Phrase] = field(default_factory=dict)
    routines: dict[str, Routine] = field(default_factory=dict)
    tips: tuple[Tip, ...] = ()
    triage: dict[str, Triage] = field(default_factory=dict)
    references: dict[str, Reference] = field(default_factory=dict)
    store: Store | None = None
