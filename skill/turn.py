"""One typed object per request: the Turn. Handlers take what they need from it.

The TurnInterceptor (skill.interceptors) builds it before any handler is chosen: the envelope
facts, the Speaker for the locale, the audio pack, the user's memory, the night decision and the
session state. Handlers answer through ``Turn.reply``, which records the content keys spoken and
the outcome for the request log.

Alexa echoes session attributes back, so ``Session`` is a validated view over them: a value of a
shape this code never writes (an older version's, a client's) reads as absent, and what the
skill waits for is the enum ``Waiting``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ask_sdk_core.handler_input import HandlerInput

from content import Content
from skill.devicetime import zone_info
from skill.envelope import Facts
from skill.memory import VOICES, Memory
from speech import Speaker

KEY = "turn"  # the one request attribute


class Waiting(enum.Enum):
    """What a yes or a no answers."""

    STRETCH = "stretch"  # a guided stretch was offered
    EASING = "easing"  # "is it easing?" after the last step
    TIP = "tip"  # a (further) prevention tip was offered
    DOCTOR = "doctor"  # "when to see a doctor?" after the causes
    RESUME = "resume"  # to carry on an unfinished routine (no: start it again)
    CARRY_ON = "carry_on"  # to carry on the routine after a symptom answer (no: goodbye)
    MORE = "more"  # the next part of a long answer
    REMINDER = "reminder"  # a nightly reminder was offered (yes: ask the time)


# Small immutable records are NamedTuples: a frozen dataclass costs ten times as much to define,
# and every definition is paid at a Lambda cold start.
class Routine(NamedTuple):
    muscle: str
    step: int
    round: int = 1
    paused: bool = False
    hands_free: bool = False  # the whole routine in one go (or as few answers as Alexa's limits allow)


class Place(NamedTuple):
    """Where an unfinished routine stopped."""

    muscle: str
    step: int


class Clock(NamedTuple):
    """What the session has learnt for the night decision (skill.night writes it)."""

    voice: str | None  # whisper | normal | None (the clock decides)
    zone: str | None  # the device's IANA zone, when known


class Said(NamedTuple):
    """The last answer, for AMAZON.RepeatIntent."""

    ssml: str
    reprompt: str | None
    keys: tuple[str, ...]


def _count(value: Any) -> bool:
    return type(value) is int and value >= 1


class Session:
    """The conversation state in the session attributes, read and written through typed fields."""

    CONVERSATION = ("pending", "offer", "topic", "routine", "resume", "series", "part")

    def __init__(self, attributes: dict[str, Any], content: Content):
        self.attributes = attributes
        self.content = content

    def _put(self, name: str, value: Any) -> None:
        if value is None:
            self.attributes.pop(name, None)
        else:
            self.attributes[name] = value

    @property
    def waiting(self) -> Waiting | None:
        try:
            return Waiting(self.attributes.get("pending"))
        except (ValueError, TypeError):
            return None

    @waiting.setter
    def waiting(self, value: Waiting | None) -> None:
        self._put("pending", value.value if value else None)

    def _known(self, name: str, among) -> str | None:
        found = self.attributes.get(name)
        return found if isinstance(found, str) and found in among else None

    @property
    def offer(self) -> str | None:
        """The muscle whose stretch was offered."""
        return self._known("offer", self.content.muscles)

    @offer.setter
    def offer(self, muscle: str | None) -> None:
        self._put("offer", muscle)

    @property
    def topic(self) -> str | None:
        return self._known("topic", self.content.topics)

    @topic.setter
    def topic(self, topic: str | None) -> None:
        self._put("topic", topic)

    @property
    def routine(self) -> Routine | None:
        """The routine in progress. A muscle the content lacks is kept (a content regression the
        catch-all logs); a step past the routine's end is not."""
        state = self.attributes.get("routine")
        if not (isinstance(state, dict) and isinstance(state.get("muscle"), str) and _count(state.get("step"))
                and _count(state.get("round")) and isinstance(state.get("paused", False), bool)
                and isinstance(state.get("hands_free", False), bool)):
            return None
        known = self.content.routines.get(state["muscle"])
        if known is not None and state["step"] > len(known.steps):
            return None
        return Routine(state["muscle"], state["step"], state["round"], state.get("paused", False),
                       state.get("hands_free", False))

    @routine.setter
    def routine(self, value: Routine | None) -> None:
        self._put("routine", None if value is None else value._asdict())

    @property
    def resume(self) -> Place | None:
        """The routine offered for resumption, if it is still one the content has."""
        saved = self.attributes.get("resume")
        if (isinstance(saved, dict) and isinstance(saved.get("muscle"), str) and saved["muscle"] in self.content.muscles
                and _count(saved.get("step")) and saved["step"] <= len(self.content.routines[saved["muscle"]].steps)):
            return Place(saved["muscle"], saved["step"])
        return None

    @resume.setter
    def resume(self, place: Place | None) -> None:
        self._put("resume", None if place is None else place._asdict())

    @property
    def series(self) -> tuple[str, int] | None:
        """The long answer being told and the part to say next."""
        name, part = self.attributes.get("series"), self.attributes.get("part")
        return (name, part) if isinstance(name, str) and _count(part) else None

    @series.setter
    def series(self, value: tuple[str, int] | None) -> None:
        self._put("series", value[0] if value else None)
        self._put("part", value[1] if value else None)

    @property
    def tips_heard(self) -> tuple[str, ...] | None:
        heard = self.attributes.get("tips_heard")
        return tuple(heard) if isinstance(heard, list) and all(isinstance(t, str) for t in heard) else None

    @tips_heard.setter
    def tips_heard(self, heard) -> None:
        self._put("tips_heard", list(heard))

    @property
    def last(self) -> Said | None:
        last = self.attributes.get("last")
        if (isinstance(last, dict) and isinstance(last.get("ssml"), str) and last["ssml"]
                and isinstance(last.get("reprompt"), (str, type(None)))
                and isinstance(last.get("keys"), list) and all(isinstance(key, str) for key in last["keys"])):
            return Said(last["ssml"], last["reprompt"], tuple(last["keys"]))
        return None

    @last.setter
    def last(self, said: Said) -> None:
        self._put("last", {**said._asdict(), "keys": list(said.keys)})

    @property
    def clock(self) -> Clock:
        found = self.attributes.get("night")
        found = found if isinstance(found, dict) else {}
        return Clock(found.get("voice") if found.get("voice") in VOICES else None,
                     found.get("zone") if zone_info(found.get("zone")) is not None else None)

    @clock.setter
    def clock(self, value: Clock | None) -> None:
        self._put("night", value._asdict() if value is not None and any(value) else None)

    def clear(self) -> None:
        """Forget the conversation in progress: routine, offers, what a yes or no would answer."""
        for name in self.CONVERSATION:
            self.attributes.pop(name, None)

    def forget(self) -> None:
        """Forget me: the conversation and the tips heard (the night module drops its own copy)."""
        self.clear()
        self.attributes.pop("tips_heard", None)


@dataclass(eq=False)
class Record:
    """What the request log says of a turn: the content keys spoken and the outcome."""

    said: tuple[str, ...] = ()
    outcome: str = "ok"  # ok, or error when the catch-all answered


@dataclass(eq=False)
class Call:
    """What skill.invoke hands the SDK as the invocation context: the facts it already read, the
    Lambda context (if any), and the record the turn fills in for the log line."""

    facts: Facts
    lambda_context: Any = None
    record: Record = field(default_factory=Record)


@dataclass(eq=False)
class Turn:
    facts: Facts
    speaker: Speaker
    pack: Any  # skill.handlers.player.Tracks: the audio pack this deployment streams from
    memory: Memory
    session: Session
    handler_input: HandlerInput
    night: Any = field(repr=False)  # skill.night.Night: to change the voice, or forget it
    record: Record = field(default_factory=Record)
    quiet: bool = False  # speak quietly (the night module decides)

    @property
    def content(self) -> Content:
        return self.speaker.content

    @property
    def builder(self):
        return self.handler_input.response_builder


def turn(handler_input: HandlerInput) -> Turn:
    return handler_input.attributes_manager.request_attributes[KEY]
