"""The whole skill on paper, for an editor or a clinician: every key and variant with its spoken
text, urgency, delivery by day and by night, length and sources (``cramp-coach check --review``)."""

from __future__ import annotations

import csv
import io
import string
from collections.abc import Iterator
from dataclasses import dataclass

from content import Content, rules

COLUMNS = ("key", "variant", "urgency", "day", "night", "words", "seconds", "sources", "reviewed", "text")


@dataclass(frozen=True)
class Row:
    key: str
    variant: str  # say[0], short[1], or step for a routine step
    urgency: str
    day: str  # how it is said in the daytime
    night: str  # how it is said at night and in whisper mode
    words: int
    seconds: float
    sources: tuple[str, ...]
    reviewed: str
    text: str  # as spoken: the emergency number filled in, other slots as {name}


class _Keep(dict):
    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


def _spoken(text: str, loaded: Content) -> str:
    return string.Formatter().vformat(text, (), _Keep(emergency_number=loaded.emergency_number))


def rows(loaded: Content) -> Iterator[Row]:
    holds = {f"routine.{muscle}.{i}": step.hold
             for muscle, routine in loaded.routines.items() for i, step in enumerate(routine.steps, 1)}
    for key, phrase in loaded.phrases.items():
        hold = holds.get(key, 0)
        common = dict(key=key, urgency=phrase.urgency, sources=phrase.sources,
                      reviewed=phrase.reviewed.isoformat() if phrase.reviewed else "")
        night = phrase.delivery if not phrase.short else "short variant instead"
        for i, text in enumerate(phrase.say):
            shown = _spoken(text, loaded) + (f" [hold {hold} s]" if hold else "")
            yield Row(variant=f"say[{i}]", day="normal", night=night, words=rules.words(text),
                      seconds=round(rules.seconds(text, hold), 1), text=shown, **common)
        for i, text in enumerate(phrase.short):
            yield Row(variant=f"short[{i}]", day="not said", night=phrase.delivery, words=rules.words(text),
                      seconds=round(rules.seconds(text), 1), text=_spoken(text, loaded), **common)


def as_csv(loaded: Content) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows(loaded):
        writer.writerow([getattr(row, name) if name != "sources" else " ".join(row.sources) for name in COLUMNS])
    return out.getvalue()


def as_text(loaded: Content) -> str:
    every = list(rows(loaded))
    lines = [f"# {loaded.locale}: {len({r.key for r in every})} keys, {len(every)} variants. Emergency number "
             f"{loaded.emergency_number}. Lengths at {rules.WORDS_PER_SECOND:g} words a second, pauses and holds "
             f"included; limits {rules.MAX_ANSWER_SECONDS:g} s an answer, {rules.MAX_STEP_SECONDS:g} s a guided step, "
             f"{rules.MAX_SENTENCE_WORDS} words a sentence."]
    last = None
    for row in every:
        if row.key != last:
            sources = ", ".join(row.sources) or "none"
            lines.append(f"\n{row.key}  [{row.urgency}]  sources: {sources}" + (f" ({row.reviewed})" if row.reviewed else ""))
            last = row.key
        lines.append(f"  {row.variant:<9} day {row.day:<8} night {row.night:<21} {row.words:>3} words {row.seconds:>5.1f} s"
                     f"  {row.text}")
    longest = max(every, key=lambda r: r.seconds if r.key not in _steps(loaded) else 0)
    counts = {u: sum(1 for r in every if r.urgency == u) for u in ("emergency", "urgent", "routine", "info")}
    lines.append(f"\nlongest answer: {longest.key} {longest.variant}, {longest.seconds:.1f} s")
    lines.append("variants by urgency: " + ", ".join(f"{u} {n}" for u, n in counts.items()))
    lines.append("\nreferences:")
    lines.extend(f"  {ref_id}: {ref.title} <{ref.url}>" for ref_id, ref in loaded.references.items())
    return "\n".join(lines) + "\n"


def _steps(loaded: Content) -> set[str]:
    return {f"routine.{m}.{i}" for m, r in loaded.routines.items() for i in range(1, len(r.steps) + 1)}
