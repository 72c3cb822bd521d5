"""The Speaker: content key + slots -> an Utterance (SSML fragment, plain text, keys spoken)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from content import Content, Tip
from speech import ssml

COUNT_EVERY_SECONDS = 5
MAX_RENDERED = 4096  # a bound, should a slot ever carry open-ended values


@dataclass(frozen=True)
class Utterance:
    """Something to say. ``keys`` names the content spoken, in order, so tests need no prose."""

    ssml: str
    text: str
    keys: tuple[str, ...]

    def __add__(self, other: Utterance) -> Utterance:
        return Utterance(
            ssml=" ".join(p for p in (self.ssml, other.ssml) if p),
            text=" ".join(p for p in (self.text, other.text) if p),
            keys=self.keys + other.keys,
        )

    def speak(self) -> str:
        return ssml.speak(self.ssml)


SILENCE = Utterance("", "", ())


class Speaker:
    def __init__(self, content: Content, rng: random.Random | None = None):
        self.content = content
        self.rng = rng if rng is not None else random.Random()
        # A variant renders the same for the same slots, and slot values come from small closed
        # sets (muscle and topic ids, hold seconds): build each SSML once.
        self._rendered: dict[tuple, Utterance] = {}

    def say(self, key: str, **slots) -> Utterance:
        phrase = self.content.phrase(key)
        if set(slots) | {"emergency_number"} != phrase.slots | {"emergency_number"}:
            raise ValueError(f"{key} takes slots {sorted(phrase.slots)}, got {sorted(slots)}")
        index = self.rng.randrange(len(phrase.say))
        cache_key = (key, index, *sorted(slots.items()))
        rendered = self._rendered.get(cache_key)
        if rendered is None:
            rendered = self._render(key, phrase.say[index], slots)
            if len(self._rendered) < MAX_RENDERED:
                self._rendered[cache_key] = rendered
        return rendered

    def _render(self, key: str, template: str, slots: dict) -> Utterance:
        values = {"emergency_number": self.content.emergency_number, **slots}
        if "muscle" in slots:
            values["muscle"] = self.content.muscles.get(slots["muscle"], slots["muscle"])
        if "topic" in slots:
            values["topic"] = self.content.topics.get(slots["topic"], slots["topic"])
        text = template.format(**values)
        return Utterance(ssml.from_text(text), ssml.plain(text), (key,))

    def pause(self, seconds: float) -> Utterance:
        return Utterance(ssml.pause(seconds), "", ())

    def hold(self, seconds: int) -> Utterance:
        """A timed hold counted aloud every few seconds, each silence a break of at most 10 s."""
        if seconds <= 0:
            return SILENCE
        spoken = self.say("stretch.hold", seconds=seconds)
        elapsed = 0
        while elapsed < seconds:
            step = min(COUNT_EVERY_SECONDS, seconds - elapsed)
            elapsed += step
            spoken += self.pause(step)
            if elapsed < seconds:
                spoken += self.say("stretch.count", seconds=elapsed)
        return spoken + self.say("stretch.release")

    def step(self, muscle: str, number: int) -> Utterance:
        """Step ``number`` (1-based) of a routine, with its hold counted aloud."""
        routine = self.content.routines[muscle]
        return self.say(f"routine.{muscle}.{number}") + self.hold(routine.steps[number - 1].hold)

    def choose_tip(self, heard: Sequence[str], topic: str | None = None,
                   bedtime: bool = False) -> tuple[Tip, list[str]]:
        """A tip not yet heard (from the topic or bedtime set if asked), and the new heard list.

        Once every tip of the pool has been heard the pool starts again, never with the tip
        just heard.
        """
        pool = [t for t in self.content.tips
                if (topic is None or topic in t.topics) and (not bedtime or t.bedtime)]
        if not pool:
            pool = list(self.content.tips)
        fresh = [t for t in pool if t.id not in heard]
        if not fresh:
            last = list(heard[-1:])
            pool_ids = {t.id for t in pool}
            heard = [h for h in heard if h not in pool_ids]
            fresh = [t for t in pool if [t.id] != last] or pool
        tip = self.rng.choice(fresh)
        return tip, [*heard, tip.id]
