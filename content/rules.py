"""The spoken-length and safety-order rules every locale's content must keep, with their limits.

A listener in pain or half asleep takes in a short answer in short sentences, and must hear
"call 911 now" before anything else. Lengths are estimated at a stated speaking rate, pauses and
holds included, so an editor can check them without rendering audio. The loader applies these
rules; a broken one is reported like any other content problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from content.schema import LOUD, PAUSE, pause_seconds

WORDS_PER_SECOND = 2.5  # 150 words a minute: a calm speaking rate (Alexa's default is a little faster)
MAX_ANSWER_SECONDS = 20.0  # one key's variant; longer answers are split into parts with "want to hear more?"
MAX_SENTENCE_WORDS = 20
EMERGENCY_WITHIN_WORDS = 12  # the emergency number comes in the first sentence, within this many words
MAX_STEP_SECONDS = 40.0  # a guided step: its words and its hold
EMERGENCY_SLOT = "{emergency_number}"

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


# A phone number (three digits or more, not part of a word like "mpg123"), said digit by digit:
# "1800 022 222" is ten words.
PHONE = re.compile(r"(?<!\w)\d(?:[ -]?\d){2,}(?!\w)")


def plain(text: str) -> str:
    return " ".join(PAUSE.sub(" ", text).split())


def words(text: str) -> int:
    """Words said: a phone number is said digit by digit."""
    flat = plain(text)
    return len(flat.split()) + sum(len(re.sub(r"\D", "", m[0])) - len(m[0].split()) for m in PHONE.finditer(flat))


def seconds(text: str, hold: float = 0.0) -> float:
    """How long ``text`` takes to say at WORDS_PER_SECOND, with its pauses and a hold after it."""
    return words(text) / WORDS_PER_SECOND + sum(pause_seconds(m) for m in PAUSE.finditer(text)) + hold


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(plain(text)) if s]


def emergency_words(text: str) -> int | None:
    """How many words come before the emergency number, or None when the text does not say it."""
    flat = plain(text)
    where = flat.find(EMERGENCY_SLOT)
    return None if where < 0 else len(flat[:where].split())


def problems(text: str, urgency: str, hold: float = 0.0, number: str = "") -> Iterator[str]:
    """What is wrong with one spoken variant, each as a message. ``number``: the emergency number as
    the locale says it ("triple zero, or one one one in New Zealand"), counted in the lengths."""
    said = text.replace(EMERGENCY_SLOT, number) if number else text
    limit = MAX_STEP_SECONDS if hold else MAX_ANSWER_SECONDS
    if (took := seconds(said, hold)) > limit:
        yield f"about {took:.0f} s to say (limit {limit:.0f} s at {WORDS_PER_SECOND:g} words a second): split it"
    for sentence in sentences(said):
        if words(sentence) > MAX_SENTENCE_WORDS:
            yield f"a sentence of {words(sentence)} words (limit {MAX_SENTENCE_WORDS}): {sentence[:40]!r}..."
    before = emergency_words(text)
    if before is not None:
        first = sentences(text)[0]
        if EMERGENCY_SLOT not in first or before > EMERGENCY_WITHIN_WORDS:
            yield (f"the emergency number must come in the first sentence, within {EMERGENCY_WITHIN_WORDS} words "
                   f"(it comes after {before})")
        if urgency not in LOUD:
            yield f"says the emergency number, so its urgency must be emergency or urgent, not {urgency!r}"
    elif urgency == "emergency":
        yield "an emergency answer must say the emergency number"
