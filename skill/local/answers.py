"""What the MCP tools answer, straight from content: the same keys the skill speaks, in the same
safety order (emergency first), as plain text with their sources and review date."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import content
from content.grammar import grammar, normal
from content.schema import URGENCY_RANK
from skill.handlers.safety import SERIES
from skill.nlu.recognise import recogniser
from speech import Speaker

BEDTIME = "bedtime"  # the tip topic that means a bedtime tip (BedtimeTipIntent in the grammar)


class Unknown(ValueError):
    """A value the content does not know; the message (from content) lists the known ones."""


class Answers:
    def __init__(self, rng: random.Random | None = None):
        self.rng = rng or random.Random()
        self._speakers: dict[str, Speaker] = {}

    def speaker(self, locale: str | None) -> Speaker:
        locale = locale or content.DEFAULT_LOCALE
        if locale not in self._speakers:
            if locale not in content.locales():
                known = self.speaker(content.DEFAULT_LOCALE)
                raise Unknown(known.say("mcp.error.locale", 0, value=locale, known=", ".join(content.locales())).text)
            self._speakers[locale] = Speaker(content.load(locale), self.rng)
        return self._speakers[locale]

    def phrase(self, key: str, locale: str | None = None, **slots) -> str:
        return self.speaker(locale).say(key, 0, **slots).text

    def resolve(self, speaker: Speaker, slot: str, value: Any, known: list[str], error: str) -> str:
        """A content id for ``value``: an id, a spoken form of the grammar's list, or a sentence
        the grammar hears with that slot ("I have chest pain")."""
        if isinstance(value, str) and value.strip():
            words = normal(value.replace("_", " "))
            if value in known or words.replace(" ", "_") in known:
                return value if value in known else words.replace(" ", "_")
            locale = speaker.content.locale
            forms = grammar(locale).values(grammar(locale).slots[slot])
            if forms.get(words) in known:
                return forms[words]
            heard = recogniser(locale)(value[:200])
            if heard is not None and heard.slots.get(slot) in known:
                return heard.slots[slot]
        raise Unknown(speaker.say(error, 0, value=str(value)[:80], known=", ".join(known)).text)

    def result(self, speaker: Speaker, keys: list[str], **extra) -> dict[str, Any]:
        """The keys' words in order, the highest urgency among them, their sources and review date."""
        found = speaker.content
        phrases = [found.phrase(key) for key in keys]
        sources = list(dict.fromkeys(source for phrase in phrases for source in phrase.sources))
        reviewed = [phrase.reviewed for phrase in phrases if isinstance(phrase.reviewed, dt.date)]
        return {
            "locale": found.locale,
            "say": [speaker.say(key, 0).text for key in keys],
            "urgency": max((phrase.urgency for phrase in phrases), key=URGENCY_RANK.__getitem__),
            "emergency_number": found.emergency_number,
            **extra,
            "sources": [{"title": found.references[s].title, "url": found.references[s].url} for s in sources],
            "reviewed": max(reviewed).isoformat() if reviewed else None,
        }

    def relief(self, muscle: str, locale: str | None = None) -> dict[str, Any]:
        speaker = self.speaker(locale)
        found = self.resolve(speaker, "muscle", muscle, sorted(speaker.content.muscles), "mcp.error.muscle")
        return self.result(speaker, [f"relief.{found}"], muscle=found)

    def guided_routine(self, muscle: str, locale: str | None = None) -> dict[str, Any]:
        """The clot cue first (a stretch is exactly what hurts more with a clot), then each step."""
        speaker = self.speaker(locale)
        found = self.resolve(speaker, "muscle", muscle, sorted(speaker.content.muscles), "mcp.error.muscle")
        steps = speaker.content.routines[found].steps
        keys = ["stretch.clot_cue"] + [f"routine.{found}.{n}" for n in range(1, len(steps) + 1)]
        answer = self.result(speaker, keys, muscle=found)
        answer["steps"] = [{"number": n, "say": text, "hold_seconds": step.hold}
                           for n, (text, step) in enumerate(zip(answer["say"][1:], steps), 1)]
        return answer

    def check_symptom(self, symptom: str, locale: str | None = None) -> dict[str, Any]:
        speaker = self.speaker(locale)
        triage = speaker.content.triage
        found = self.resolve(speaker, "symptom", symptom, sorted(triage), "mcp.error.symptom")
        answer = self.result(speaker, [f"triage.{found}"], symptom=found, level=triage[found].level)
        answer["what_to_do_now"] = " ".join(answer["say"])
        return answer

    def tip(self, topic: str | None = None, locale: str | None = None) -> dict[str, Any]:
        speaker = self.speaker(locale)
        chosen = None
        if topic not in (None, ""):
            known = sorted({*speaker.content.topics, BEDTIME})
            chosen = BEDTIME if normal(str(topic)) == BEDTIME else \
                self.resolve(speaker, "topic", topic, known, "mcp.error.topic")
        tip, _ = speaker.choose_tip((), None if chosen == BEDTIME else chosen, bedtime=chosen == BEDTIME)
        return self.result(speaker, [f"tip.{tip.id}"], tip=tip.id, topics=list(tip.topics), bedtime=tip.bedtime)

    def causes(self, locale: str | None = None) -> dict[str, Any]:
        return self.result(self.speaker(locale), list(SERIES["causes"][0]))

    def when_to_see_doctor(self, locale: str | None = None) -> dict[str, Any]:
        return self.result(self.speaker(locale), list(SERIES["doctor"][0]))  # emergency first, as the skill says it
