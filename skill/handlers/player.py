"""Bedtime tracks on Alexa's AudioPlayer: what can be streamed, the playback events, the device's
media buttons, and pause, resume, stop said while one of our tracks is playing.

A track is a bedtime tip followed by a gentle calf stretch (about two minutes in all), pre-rendered in the audio pack
as clip ``track.bedtime.<tip id>``. Its stream token names the locale and tip, so every later
event can tell which track it is about (and that it is ours) with no stored state: Alexa sends
the current token and offset in context.AudioPlayer with every request.
"""

from __future__ import annotations

import logging
import re
from typing import NamedTuple


from skill.handlers.base import Handler, IntentsHandler, RequestTypeHandler, reply
from skill.turn import Turn, turn
from speech.catalog import track_clip

log = logging.getLogger(__name__)

TOKEN = re.compile(r"cramp-coach/bedtime/(?P<locale>[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,4})?)/(?P<tip>[a-z0-9_-]{1,100})")
# Alexa sends these to the skill that last played audio even though our model does not list them.
MODES = ("AMAZON.LoopOnIntent", "AMAZON.LoopOffIntent", "AMAZON.ShuffleOnIntent", "AMAZON.ShuffleOffIntent")
# A track Alexa still holds for us: one that finished or never started cannot be paused or resumed.
HELD = {"PLAYING", "PAUSED", "STOPPED", "BUFFER_UNDERRUN"}


class Track(NamedTuple):
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

    def url(self, track: Track) -> str | None:
        if self.manifest is None or self.base_url is None:
            return None
        clip = self.manifest.clip(track.locale, track_clip(track.tip_id))
        return f"{self.base_url}/{clip.file}" if clip is not None else None

    def play(self, t: Turn, track: Track, offset: int = 0) -> bool:
        """Add a Play directive for ``track`` to the response; False when it cannot be streamed."""
        url = self.url(track)
        if url is None:
            return False
        from ask_sdk_model.interfaces.audioplayer import AudioItem, PlayBehavior, PlayDirective, Stream

        stream = Stream(token=track.token, url=url, offset_in_milliseconds=max(0, offset))
        t.builder.add_directive(PlayDirective(play_behavior=PlayBehavior.REPLACE_ALL, audio_item=AudioItem(stream=stream)))
        return True

    def neighbour(self, t: Turn, track: Track, step: int) -> Track | None:
        """The next (step 1) or previous (step -1) bedtime track that can be streamed, or None."""
        tips = [tip.id for tip in t.content.tips if tip.bedtime]
        if track.tip_id not in tips:
            return None
        index = tips.index(track.tip_id) + step
        while 0 <= index < len(tips):
            candidate = Track(track.locale, tips[index])
            if self.url(candidate) is not None:
                return candidate
            index += step
        return None


def player_state(t: Turn) -> tuple[Track | None, int, str | None]:
    """Our track in context.AudioPlayer (None if the token is not ours), its offset, the activity."""
    state = t.facts.player
    if state is None:
        return None, 0, None
    return Track.from_token(state.token), state.offset, state.activity


def stop(t: Turn) -> None:
    from ask_sdk_model.interfaces.audioplayer import StopDirective

    t.builder.add_directive(StopDirective())


# --- AudioPlayer events: no speech, no card, no reprompt ------------------------------------


class PlaybackEventHandler(Handler):
    """PlaybackStarted, NearlyFinished, Finished and Stopped: nothing to do. A track is one
    stream with nothing queued after it, and its offset comes back in every later request."""

    types = ("AudioPlayer.PlaybackStarted", "AudioPlayer.PlaybackNearlyFinished",
             "AudioPlayer.PlaybackFinished", "AudioPlayer.PlaybackStopped")

    def can_handle(self, handler_input):
        return turn(handler_input).facts.request_type in self.types

    def answer(self, t):
        return t.builder.response


class PlaybackFailedHandler(RequestTypeHandler):
    request_type = "AudioPlayer.PlaybackFailed"

    def answer(self, t):
        request = t.handler_input.request_envelope.request
        error = request.error
        log.warning("playback failed for %s: %s %s", request.token,
                    getattr(getattr(error, "object_type", None), "value", None), getattr(error, "message", None))
        return t.builder.response


# --- PlaybackController: the device's buttons, answered with directives only -----------------


class PlaybackControllerHandler(Handler):
    """Play, Pause, Next and Previous buttons for one of our tracks; any other token: nothing."""

    prefix = "PlaybackController."

    def can_handle(self, handler_input):
        return (turn(handler_input).facts.request_type or "").startswith(self.prefix)

    def answer(self, t):
        track, offset, _ = player_state(t)
        command = t.facts.request_type.removeprefix(self.prefix)
        if track is not None:
            if command == "PauseCommandIssued":
                stop(t)
            elif command == "PlayCommandIssued":
                t.pack.play(t, track, offset)
            elif command in ("NextCommandIssued", "PreviousCommandIssued"):
                other = t.pack.neighbour(t, track, 1 if command[0] == "N" else -1)
                if other is not None:
                    t.pack.play(t, other)
        return t.builder.response


# --- what the user says while one of our tracks is held --------------------------------------


class PlayerIntentHandler(IntentsHandler):
    """Pause, resume, stop, cancel, next, previous and start over said while Alexa holds one of
    our tracks. A guided stretch in progress keeps its own meaning of these words, so it wins."""

    intents = ("AMAZON.PauseIntent", "AMAZON.ResumeIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent",
               "AMAZON.NextIntent", "AMAZON.PreviousIntent", "AMAZON.StartOverIntent", "AMAZON.RepeatIntent",
               *MODES)

    def can_handle(self, handler_input):
        if not super().can_handle(handler_input):
            return False
        t = turn(handler_input)
        track, _, activity = player_state(t)
        return track is not None and activity in HELD and t.session.routine is None

    def answer(self, t):
        track, offset, _ = player_state(t)
        name = t.facts.intent
        if name in ("AMAZON.StopIntent", "AMAZON.CancelIntent"):
            stop(t)
            t.session.clear()
            return reply(t, t.speaker.say("goodbye.main"), end=True)
        if name == "AMAZON.PauseIntent":
            stop(t)
        elif name == "AMAZON.ResumeIntent":
            t.pack.play(t, track, offset)
        elif name in ("AMAZON.StartOverIntent", "AMAZON.RepeatIntent"):
            t.pack.play(t, track)
        elif name in MODES:
            pass  # one track, nothing queued: loop and shuffle change nothing, and the track plays on
        else:
            other = t.pack.neighbour(t, track, 1 if name == "AMAZON.NextIntent" else -1)
            if other is not None:
                t.pack.play(t, other)
        return t.builder.set_should_end_session(True).response


def play_bedtime(t: Turn, tip_id: str) -> bool:
    """Start the bedtime track of ``tip_id`` if this device and deployment can play it."""
    return t.facts.supports("AudioPlayer") and t.pack.play(t, Track(t.content.locale, tip_id))

