"""Bedtime tracks on Alexa's AudioPlayer: what can be streamed, the playback events, the device's
media buttons, and pause, resume, stop said while one of our tracks is playing.

A track is a bedtime tip followed by a two-minute calf stretch, pre-rendered in the audio pack
as clip ``track.bedtime.<tip id>``. Its stream token names the locale and tip, so every later
event can tell which track it is about (and that it is ours) with no stored state: Alexa sends
the current token and offset in context.AudioPlayer with every request.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from ask_sdk_core.dispatch_components import (
    AbstractRequestHandler,
    AbstractRequestInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import Response

from skill.config import Settings
from skill.handlers import stretch
from skill.handlers.base import RequestTypeHandler, reply, session, speaker
from speech.catalog import track_clip

log = logging.getLogger(__name__)

TOKEN = re.compile(r"cramp-coach/bedtime/(?P<locale>[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,4})?)/(?P<tip>[a-z0-9_-]{1,100})")
# Alexa sends these to the skill that last played audio even though our model does not list them.
MODES = ("AMAZON.LoopOnIntent", "AMAZON.LoopOffIntent", "AMAZON.ShuffleOnIntent", "AMAZON.ShuffleOffIntent")
# A track Alexa still holds for us: one that finished or never started cannot be paused or resumed.
HELD = {"PLAYING", "PAUSED", "STOPPED", "BUFFER_UNDERRUN"}


@dataclass(frozen=True)
class Track:
    locale: str
    tip_id: str

    @property
    def token(self) -> str:
        return f"cramp-coach/bedtime/{self.locale}/{self.tip_id}"

    @classmethod
    def from_token(cls, token: str | None) -> Track | None:
        """The track a stream token names; None for a token that is not ours."""
        match = TOKEN.fullmatch(token) if isinstance(token, str) else None
        return cls(match["locale"], match["tip"]) if match else None


class Tracks:
    """The bedtime tracks this deployment can stream: the audio pack's manifest and its public URL."""

    def __init__(self, manifest=None, base_url: str | None = None):
        self.manifest = manifest
        self.base_url = base_url

    @classmethod
    def load(cls, settings: Settings) -> Tracks:
        """Read the pack's manifest once, at start-up. No base URL or no pack: no tracks, no error."""
        if not settings.audio_base_url:
            return cls()
        from speech.audio.manifest import Manifest, ManifestError

        try:
            manifest = Manifest.load(settings.audio_path)
        except (ManifestError, OSError) as exc:
            # The skill still speaks every tip; a broken pack must not take it down at night.
            log.error("audio pack at %s is unreadable, bedtime tracks are off: %s", settings.audio_path, exc)
            return cls()
        return cls(manifest, settings.audio_base_url)

    def url(self, track: Track) -> str | None:
        if self.manifest is None or self.base_url is None:
            return None
        clip = self.manifest.clip(track.locale, track_clip(track.tip_id))
        return f"{self.base_url}/{clip.file}" if clip is not None else None

    def play(self, handler_input: HandlerInput, track: Track, offset: int = 0) -> bool:
        """Add a Play directive for ``track`` to the response; False when it cannot be streamed."""
        url = self.url(track)
        if url is None:
            return False
        from ask_sdk_model.interfaces.audioplayer import AudioItem, PlayBehavior, PlayDirective, Stream

        stream = Stream(token=track.token, url=url, offset_in_milliseconds=max(0, offset))
        handler_input.response_builder.add_directive(
            PlayDirective(play_behavior=PlayBehavior.REPLACE_ALL, audio_item=AudioItem(stream=stream)))
        return True

    def neighbour(self, handler_input: HandlerInput, track: Track, step: int) -> Track | None:
        """The next (step 1) or previous (step -1) bedtime track that can be streamed, or None."""
        tips = [tip.id for tip in speaker(handler_input).content.tips if tip.bedtime]
        if track.tip_id not in tips:
            return None
        index = tips.index(track.tip_id) + step
        while 0 <= index < len(tips):
            candidate = Track(track.locale, tips[index])
            if self.url(candidate) is not None:
                return candidate
            index += step
        return None


class TracksInterceptor(AbstractRequestInterceptor):
    """Gives every request the Tracks built once in build_skill."""

    def __init__(self, tracks: Tracks):
        self.tracks = tracks

    def process(self, handler_input):
        handler_input.attributes_manager.request_attributes["tracks"] = self.tracks


def tracks(handler_input: HandlerInput) -> Tracks:
    return handler_input.attributes_manager.request_attributes.get("tracks") or Tracks()


def supports_audio(handler_input: HandlerInput) -> bool:
    system = handler_input.request_envelope.context.system if handler_input.request_envelope.context else None
    device = system.device if system else None
    interfaces = device.supported_interfaces if device else None
    return interfaces is not None and interfaces.audio_player is not None


def player_state(handler_input: HandlerInput) -> tuple[Track | None, int, str | None]:
    """Our track in context.AudioPlayer (None if the token is not ours), its offset, the activity."""
    context = handler_input.request_envelope.context
    state = context.audio_player if context else None
    if state is None:
        return None, 0, None
    activity = getattr(state.player_activity, "value", state.player_activity)
    offset = state.offset_in_milliseconds if isinstance(state.offset_in_milliseconds, int) else 0
    return Track.from_token(state.token), offset, activity


def quiet(handler_input: HandlerInput) -> Response:
    return handler_input.response_builder.response


def stop(handler_input: HandlerInput) -> None:
    from ask_sdk_model.interfaces.audioplayer import StopDirective

    handler_input.response_builder.add_directive(StopDirective())


# --- AudioPlayer events: no speech, no card, no reprompt ------------------------------------


class PlaybackEventHandler(AbstractRequestHandler):
    """PlaybackStarted, NearlyFinished, Finished and Stopped: nothing to do. A track is one
    stream with nothing queued after it, and its offset comes back in every later request."""

    types = ("AudioPlayer.PlaybackStarted", "AudioPlayer.PlaybackNearlyFinished",
             "AudioPlayer.PlaybackFinished", "AudioPlayer.PlaybackStopped")

    def can_handle(self, handler_input):
        return any(is_request_type(name)(handler_input) for name in self.types)

    def handle(self, handler_input):
        return quiet(handler_input)


class PlaybackFailedHandler(RequestTypeHandler):
    request_type = "AudioPlayer.PlaybackFailed"

    def handle(self, handler_input):
        request = handler_input.request_envelope.request
        error = request.error
        log.warning("playback failed for %s: %s %s", request.token,
                    getattr(getattr(error, "object_type", None), "value", None), getattr(error, "message", None))
        return quiet(handler_input)


# --- PlaybackController: the device's buttons, answered with directives only -----------------


class PlaybackControllerHandler(AbstractRequestHandler):
    """Play, Pause, Next and Previous buttons for one of our tracks; any other token: nothing."""

    prefix = "PlaybackController."

    def can_handle(self, handler_input):
        # A hostile envelope can set the model's own attribute names: object_type may be None.
        kind = handler_input.request_envelope.request.object_type
        return isinstance(kind, str) and kind.startswith(self.prefix)

    def handle(self, handler_input):
        track, offset, _ = player_state(handler_input)
        command = handler_input.request_envelope.request.object_type.removeprefix(self.prefix)
        if track is not None:
            if command == "PauseCommandIssued":
                stop(handler_input)
            elif command == "PlayCommandIssued":
                tracks(handler_input).play(handler_input, track, offset)
            elif command in ("NextCommandIssued", "PreviousCommandIssued"):
                other = tracks(handler_input).neighbour(handler_input, track, 1 if command[0] == "N" else -1)
                if other is not None:
                    tracks(handler_input).play(handler_input, other)
        return quiet(handler_input)


# --- what the user says while one of our tracks is held --------------------------------------


class PlayerIntentHandler(AbstractRequestHandler):
    """Pause, resume, stop, cancel, next, previous and start over said while Alexa holds one of
    our tracks. A guided stretch in progress keeps its own meaning of these words, so it wins."""

    intents = ("AMAZON.PauseIntent", "AMAZON.ResumeIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent",
               "AMAZON.NextIntent", "AMAZON.PreviousIntent", "AMAZON.StartOverIntent", "AMAZON.RepeatIntent",
               *MODES)

    def can_handle(self, handler_input):
        if not any(is_intent_name(name)(handler_input) for name in self.intents):
            return False
        track, _, activity = player_state(handler_input)
        return track is not None and activity in HELD and stretch.routine(handler_input) is None

    def handle(self, handler_input):
        track, offset, _ = player_state(handler_input)
        name = handler_input.request_envelope.request.intent.name
        playing = tracks(handler_input)
        if name in ("AMAZON.StopIntent", "AMAZON.CancelIntent"):
            stop(handler_input)
            session(handler_input).update(routine=None, pending=None)
            return reply(handler_input, speaker(handler_input).say("goodbye.main"), end=True)
        if name == "AMAZON.PauseIntent":
            stop(handler_input)
        elif name == "AMAZON.ResumeIntent":
            playing.play(handler_input, track, offset)
        elif name in ("AMAZON.StartOverIntent", "AMAZON.RepeatIntent"):
            playing.play(handler_input, track)
        elif name in MODES:
            pass  # one track, nothing queued: loop and shuffle change nothing, and the track plays on
        else:
            other = playing.neighbour(handler_input, track, 1 if name == "AMAZON.NextIntent" else -1)
            if other is not None:
                playing.play(handler_input, other)
        return handler_input.response_builder.set_should_end_session(True).response


def play_bedtime(handler_input: HandlerInput, tip_id: str) -> bool:
    """Start the bedtime track of ``tip_id`` if this device and deployment can play it."""
    if not supports_audio(handler_input):
        return False
    return tracks(handler_input).play(handler_input, Track(speaker(handler_input).content.locale, tip_id))

