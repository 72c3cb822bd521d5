"""The Speaker: content key + slots -> an Utterance (SSML, engine script, plain text, keys spoken)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from content import Content, Tip
from speech import ssml

COUNT_EVERY_SECONDS = 5
MAX_RENDERED = 4096  # a bound, should a slot ever carry open-ended values
BEDTIME_ROUTINE = "bedtime"  # the pre-sleep stretch of the bedtime track
_NUMBER = "\ue000"  # stands for the emergency number while the text is escaped (a private-use character)
# Keys only ever read on a screen (the local chat, console and MCP tools' own words): no clips.
READ_ONLY_PREFIXES = ("chat.", "console.", "mcp.")


@dataclass(frozen=True)
class Piece:
    """One spoken item (or a pause) of an utterance."""

    ssml: str
    script: str  # what a speech engine reads: the text with [pause Ns] marks
    clip: str | None = None  # the pre-rendered clip that says exactly this piece
    key: str | None = None
    night: str = "soft"  # whisper | soft | normal | skip (content decides)
    short: str | None = None  # the SSML of a briefer variant, said instead at night
    loud: bool = False  # an emergency or urgent key: never quiet, never slowed, never shortened

    def __post_init__(self):
        if self.loud and (self.night != "normal" or self.short is not None):
            raise ValueError(f"{self.key}: an emergency or urgent piece is said in full at normal volume")


@dataclass(frozen=True)
class Utterance:
    """Something to say. ``keys`` names the content spoken, in order, so tests need no prose."""

    pieces: tuple[Piece, ...]
    text: str
    keys: tuple[str, ...]

    def __add__(self, other: Utterance) -> Utterance:
        return Utterance(
            pieces=self.pieces + other.pieces,
            text=" ".join(p for p in (self.text, other.text) if p),
            keys=self.keys + other.keys,
        )

    @classmethod
    def raw(cls, fragment: str, keys: Sequence[str] = ()) -> Utterance:
        """SSML said before (a repeat): spoken as it was, no night styling or clips."""
        return cls((Piece(fragment, "", night="normal"),), "", tuple(keys))

    @property
    def ssml(self) -> str:
        return " ".join(p.ssml for p in self.pieces if p.ssml)

    @property
    def script(self) -> str:
        return " ".join(p.script for p in self.pieces if p.script)

    def spoken(self, night: bool = False) -> tuple[Piece, ...]:
        """The pieces said: at night without the ones content marks to skip."""
        return tuple(p for p in self.pieces if not (night and p.night == "skip"))

    def said_keys(self, night: bool = False) -> tuple[str, ...]:
        skipped = {p.key for p in self.pieces if p.night == "skip"} if night else set()
        return tuple(key for key in self.keys if key not in skipped)

    @property
    def loud(self) -> bool:
        """Whether it carries an emergency or urgent key: then all of it is said at normal volume."""
        return any(p.loud for p in self.pieces)

    def fragment(self, night: bool = False) -> str:
        """The SSML fragment; at night each run of pieces quiet in the same way goes in one wrapper.
        An utterance with an emergency or urgent piece is never quiet: not that piece (the content
        schema and Piece refuse it), nor a soft question whispered after "call 911 now"."""
        if not night or self.loud:
            return self.ssml
        out = []
        for style, run in itertools.groupby(self.spoken(night=True), key=lambda p: p.night):
            inner = " ".join(p.short or p.ssml for p in run if p.ssml)
            out.append({"whisper": ssml.whisper, "soft": ssml.soft}.get(style, str)(inner) if inner else "")
        return " ".join(part for part in out if part)

    def speak(self, night: bool = False) -> str:
        return ssml.speak(self.fragment(night))

    def as_clip(self, clip: str) -> Utterance:
        """The whole utterance as one piece, said by the single clip ``clip``."""
        night = "normal" if self.loud else next((p.night for p in self.pieces if p.key), "soft")
        return Utterance((Piece(self.ssml, self.script, clip, self.keys[0] if self.keys else None, night,
                                loud=self.loud),),
                         self.text, self.keys)


SILENCE = Utterance((), "", ())


TRACK_PREFIX = "track.bedtime."
SHOWN_PREFIX = "screen."  # words only shown on a screen: never rendered as clips


def track_clip(tip_id: str) -> str:
    """The clip id of the bedtime track of ``tip_id``."""
    return TRACK_PREFIX + tip_id


def clip_id(key: str, variant: int, slots: dict) -> str:
    return f"{key}#{variant}" + "".join(f"&{name}={value}" for name, value in sorted(slots.items()))


class Speaker:
    def __init__(self, content: Content, rng: random.Random | None = None):
        self.content = content
        self.rng = rng if rng is not None else random.Random()
        # A variant renders the same for the same slots, and slot values come from small closed
        # sets (muscle and topic ids, hold seconds): build each one once.
        self._rendered: dict[tuple, Utterance] = {}

    def say(self, key: str, variant: int | None = None, **slots) -> Utterance:
        """``key`` said with ``slots``, in phrasing ``variant`` (modulo the number of phrasings)
        or, when None, one chosen at random."""
        phrase = self.content.phrase(key)
        if set(slots) | {"emergency_number"} != phrase.slots | {"emergency_number"}:
            raise ValueError(f"{key} takes slots {sorted(phrase.slots)}, got {sorted(slots)}")
        index = self.rng.randrange(len(phrase.say)) if variant is None else variant % len(phrase.say)
        cache_key = (key, index, *sorted(slots.items()))
        rendered = self._rendered.get(cache_key)
        if rendered is None:
            rendered = self._render(key, index, slots)
            if len(self._rendered) < MAX_RENDERED:
                self._rendered[cache_key] = rendered
        return rendered

    def _render(self, key: str, index: int, slots: dict) -> Utterance:
        phrase = self.content.phrase(key)
        values = dict(slots)
        if "muscle" in slots:
            values["muscle"] = self.content.muscles.get(slots["muscle"], slots["muscle"])
        if "topic" in slots:
            values["topic"] = self.content.topics.get(slots["topic"], slots["topic"])
        number, spoken = self.content.emergency_number, self.content.emergency_spoken

        def fill(template: str, emergency_number: str) -> str:
            return template.format(**values, emergency_number=emergency_number)

        def to_ssml(template: str) -> str:
            # The number as written, said as the locale says it ("000": "triple zero").
            return ssml.from_text(fill(template, _NUMBER)).replace(_NUMBER, ssml.sub(number, spoken))

        template = phrase.say[index]
        short = to_ssml(phrase.short[index % len(phrase.short)]) if phrase.short else None
        piece = Piece(to_ssml(template), fill(template, spoken), clip_id(key, index, slots), key,
                      ssml.night_style(phrase.delivery, self.content.locale), short, phrase.loud)
        return Utterance((piece,), ssml.plain(fill(template, number)), (key,))

    def pause(self, seconds: float) -> Utterance:
        return Utterance((Piece(ssml.pause(seconds), f"[pause {seconds:g}s]", night="normal"),), "", ())

    def hold(self, seconds: int, variant: int | None = None) -> Utterance:
        """A timed hold counted aloud every few seconds, each silence a break of at most 10 s."""
        if seconds <= 0:
            return SILENCE
        spoken = self.say("stretch.hold", variant, seconds=seconds)
        elapsed = 0
        while elapsed < seconds:
            step = min(COUNT_EVERY_SECONDS, seconds - elapsed)
            elapsed += step
            spoken += self.pause(step)
            if elapsed < seconds:
                spoken += self.say("stretch.count", variant, seconds=elapsed)
        return spoken + self.say("stretch.release", variant)

    def step(self, muscle: str, number: int, variant: int | None = None) -> Utterance:
        """Step ``number`` (1-based) of a routine with its hold counted aloud (the hold's phrasing
        ``variant``, or one at random): one clip."""
        if variant is None:
            variant = self.rng.randrange(len(self.content.phrase("stretch.hold").say))
        cache_key = ("step", muscle, number, variant)
        if (rendered := self._rendered.get(cache_key)) is None:
            hold = self.content.routines[muscle].steps[number - 1].hold
            spoken = self.say(f"routine.{muscle}.{number}", 0) + self.hold(hold, variant)
            rendered = spoken.as_clip(f"guided.{muscle}.{number}")
            if len(self._rendered) < MAX_RENDERED:
                self._rendered[cache_key] = rendered
        return rendered

    def bedtime_track(self, tip_id: str) -> Utterance:
        """A bedtime tip and a gentle pre-sleep calf stretch, as one long clip for an audio player."""
        spoken = self.say("track.intro", 0) + self.say(f"tip.{tip_id}", 0) + self.pause(2)
        spoken += self.say("track.stretch_intro", 0)
        for number in range(1, len(self.content.routines[BEDTIME_ROUTINE].steps) + 1):
            spoken += self.step(BEDTIME_ROUTINE, number, 0) + self.pause(2)
        return (spoken + self.say("track.close", 0)).as_clip(track_clip(tip_id))

    def clips(self) -> Iterator[tuple[str, str]]:
        """Every clip the skill can ask for, as (clip id, script): each variant of each key with
        each slot value it can take, each guided step, each bedtime track."""
        domains = {"muscle": sorted(self.content.muscles), "topic": sorted(self.content.topics),
                   "seconds": sorted(self._hold_seconds()),
                   "step": range(1, max(len(r.steps) for r in self.content.routines.values()) + 1)}
        for key, phrase in self.content.phrases.items():
            if key.startswith(READ_ONLY_PREFIXES):
                continue
            names = sorted(phrase.slots - {"emergency_number"})
            if key.startswith(SHOWN_PREFIX) or not set(names) <= set(domains):
                continue  # shown on a screen, or said with an open-ended value (a time): spoken live
            for values in itertools.product(*(domains[name] for name in names)):
                for variant in range(len(phrase.say)):
                    (piece,) = self.say(key, variant, **dict(zip(names, values))).pieces
                    yield piece.clip, piece.script
        for muscle, routine in self.content.routines.items():
            for number in range(1, len(routine.steps) + 1):
                (piece,) = self.step(muscle, number, 0).pieces
                yield piece.clip, piece.script
        for tip in self.content.tips:
            if tip.bedtime:
                (piece,) = self.bedtime_track(tip.id).pieces
                yield piece.clip, piece.script

    def _hold_seconds(self) -> set[int]:
        holds = {step.hold for routine in self.content.routines.values() for step in routine.steps if step.hold}
        return holds | {n for hold in holds for n in range(COUNT_EVERY_SECONDS, hold, COUNT_EVERY_SECONDS)}

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
