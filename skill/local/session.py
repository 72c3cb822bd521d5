"""The local conversation, shared by ``chat`` and ``console``: typed or transcribed text in,
recognised by the local grammar, sent to the real skill as an Alexa request envelope, and the
answer read back (speech, text, holds, quiet or not, content keys, the session carried on).

One session is kept across turns as Alexa keeps it: the session attributes of a response go
out with the next request, and after ``shouldEndSession`` the next request opens a new session.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

import content
from skill.builder import build_skill
from skill.config import Settings
from skill.devicetime import is_night, zone_info
from skill.invoke import Skill
from skill.local import envelopes, spoken
from skill.local.envelopes import Device, DeviceClock, DeviceZone
from content.grammar import normal
from skill.nlu.recognise import recogniser
from speech import Speaker

log = logging.getLogger("cramp_coach.local")

MAX_TEXT = 500  # characters: longer than anyone says to a speaker in one breath
# The pack's clips as the local skill names them; the local surfaces play them from the pack folder.
LOCAL_AUDIO_BASE = "https://audio.cramp-coach.localhost"
FALLBACK = "AMAZON.FallbackIntent"


@dataclass(frozen=True)
class Reply:
    """One turn: what was sent, what the skill said and how."""

    request: str  # the intent name, or the request type (LaunchRequest)
    slots: dict[str, str] = field(default_factory=dict)  # slot name -> content id
    spoken_slots: dict[str, str] = field(default_factory=dict)  # slot name -> the words heard
    matched: bool = True  # False: nothing in the grammar matched (sent as the fallback intent)
    text: str = ""
    reprompt: str | None = None
    ssml: str | None = None
    reprompt_ssml: str | None = None
    keys: tuple[str, ...] = ()
    quiet: bool = False
    ended: bool = False
    notice: str | None = None  # a surface's own message key (surfaces.yaml), e.g. chat.no_match
    segments: tuple[spoken.Segment, ...] = ()

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["segments"] = [{"kind": type(s).__name__.lower(), **s._asdict()} for s in self.segments]
        return data


def local_skill(settings: Settings, zone: str | None = None, rng: random.Random | None = None) -> tuple[Skill, Settings]:
    """The real skill for one local device in ``zone`` (this machine's by default), playing the
    audio pack from its folder when one is built."""
    from speech.audio.manifest import Manifest, ManifestError

    changes: dict[str, Any] = {}
    if settings.audio_base_url is None:
        try:
            if any(Manifest.load(settings.audio_path).locales.values()):
                changes["audio_base_url"] = LOCAL_AUDIO_BASE
        except ManifestError as exc:
            log.warning("%s", exc)
    settings = settings.replace(**changes)
    return build_skill(settings, rng=rng, zones=DeviceZone(zone or envelopes.machine_zone())), settings


def unusable(text: Any) -> str | None:
    """Why ``text`` cannot be sent (a surfaces.yaml key), or None when it can."""
    if not isinstance(text, str) or not text.strip():
        return "chat.empty"
    if len(text) > MAX_TEXT:
        return "chat.too_long"
    odd = sum(1 for c in text if c == "\ufffd" or unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn"))
    return "chat.not_text" if odd else None


class Conversation:
    def __init__(self, skill: Skill, settings: Settings, locale: str = content.DEFAULT_LOCALE,
                 device: Device = Device.SPEAKER, at: dt.time | None = None, zone: str | None = None):
        if locale not in content.locales():
            raise LookupError(f"no content for locale {locale!r} (have {', '.join(content.locales())})")
        self.skill, self.settings = skill, settings
        self.locale, self.device = locale, device
        self.speaker = Speaker(content.load(locale), random.Random(0))
        self.clock = DeviceClock(zone or envelopes.machine_zone(), at)
        self.scripts = spoken.ClipScripts(self._manifest(), self.speaker)
        self.reset()

    def _manifest(self):
        if self.settings.audio_base_url is None:
            return None
        from speech.audio.manifest import Manifest, ManifestError

        try:
            return Manifest.load(self.settings.audio_path)
        except ManifestError:
            return None

    def reset(self) -> None:
        """Forget the session: the next request opens a new one."""
        self.session_id, self.attributes, self.open = envelopes.new_session_id(), {}, False

    @property
    def night(self) -> bool:
        """Whether it is night on the device's clock (the skill's window, whatever the voice chosen)."""
        return is_night(self.clock.now(), zone_info(self.clock.zone), self.settings.night_start, self.settings.night_end)

    def phrase(self, key: str, **slots) -> str:
        """A surface's own sentence from content (surfaces.yaml)."""
        return self.speaker.say(key, 0, **slots).text

    def mark(self, key: str, **slots) -> str:
        """A short mark shown inside an answer, in square brackets: [hold 20 s]."""
        return f"[{self.phrase(key, **slots)}]"

    def start(self) -> Reply:
        """Open the skill, as "Alexa, open cramp coach" does: a LaunchRequest in a new session."""
        self.reset()
        return self._send({"type": "LaunchRequest"}, "LaunchRequest")

    def say(self, text: Any) -> Reply:
        """What the skill answers to ``text``; nothing matched is sent as the fallback intent."""
        if (problem := unusable(text)) is not None:
            return Reply(request="", matched=False, notice=problem, text=self.phrase(problem, most=MAX_TEXT)
                         if problem == "chat.too_long" else self.phrase(problem))
        hear = recogniser(self.locale)
        invocation = f" {hear.grammar.invocation} " if hear.grammar.invocation else None
        said = f" {normal(text)} "
        if invocation and invocation in said:
            # "Alexa, open cramp coach" opens it; "ask cramp coach for a tip" asks in a new session.
            rest = said.split(invocation, 1)[1].split()
            if not rest:
                return self.start()
            self.reset()
            text = " ".join(rest)
            heard = hear(text) or (hear(" ".join(rest[1:])) if len(rest) > 1 else None)  # without "to", "for"...
        else:
            heard = hear(text)
        if heard is None:
            return self.intend(FALLBACK, matched=False)
        return self.intend(heard.intent, heard.slots, heard.spoken)

    def intend(self, name: str, slots: dict[str, str] | None = None, spoken_slots: dict[str, str] | None = None,
               matched: bool = True) -> Reply:
        request = envelopes.intent_request(name, slots or {}, spoken_slots or {})
        return self._send(request, name, slots or {}, spoken_slots or {}, matched)

    def _send(self, request: dict, name: str, slots: dict | None = None, spoken_slots: dict | None = None,
              matched: bool = True) -> Reply:
        payload = envelopes.envelope(request, locale=self.locale, device=self.device, timestamp=self.clock.now(),
                                     session_id=self.session_id, new=not self.open, attributes=self.attributes,
                                     skill_id=self.settings.skill_id or envelopes.LOCAL_SKILL_ID)
        answer = self.skill.respond(payload)
        response = answer.get("response") or {}
        ended = bool(response.get("shouldEndSession", True))
        self.attributes = {} if ended else dict(answer.get("sessionAttributes") or {})
        self.open = not ended
        if ended:
            self.session_id = envelopes.new_session_id()
        said = (response.get("outputSpeech") or {}).get("ssml")
        asked = ((response.get("reprompt") or {}).get("outputSpeech") or {}).get("ssml")
        parts = spoken.segments(said, self.scripts) + self._streams(response)
        last = (answer.get("sessionAttributes") or {}).get("last") or {}
        return Reply(request=name, slots=dict(slots or {}), spoken_slots=dict(spoken_slots or {}), matched=matched,
                     text=self.shown(parts), reprompt=self.shown(spoken.segments(asked, self.scripts)) if asked else None,
                     ssml=said, reprompt_ssml=asked, keys=tuple(last.get("keys") or ()), quiet=spoken.is_quiet(said),
                     ended=ended, notice=None if matched else "chat.no_match", segments=parts)

    def _streams(self, response: dict) -> tuple[spoken.Segment, ...]:
        """An AudioPlayer.Play directive's stream (a bedtime track) as a clip to play."""
        found = []
        for directive in response.get("directives") or ():
            url = (((directive.get("audioItem") or {}).get("stream") or {}).get("url")
                   if directive.get("type") == "AudioPlayer.Play" else None)
            if url:
                found.extend(spoken.segments(f'<audio src="{url}"/>', self.scripts))
        return tuple(found)

    def shown(self, parts) -> str:
        return spoken.shown(parts, lambda seconds: self.mark("chat.hold", seconds=seconds), self.scripts)
