"""Builds the skill: content loaded and checked once, the parts made once per process and wired
together, handlers registered in one explicit order. Wiring only: no request logic here."""

from __future__ import annotations

import logging
import random

from ask_sdk_core.skill_builder import CustomSkillBuilder

import content
from skill.alexa_api import BoundedApiClient
from skill.config import Settings
from skill.devicetime import Zones
from skill.interceptors import MemorySaver, TurnInterceptor
from skill.invoke import Skill
from skill.night import Night
from skill.serializer import Serializer
from skill.store import open_store
from skill.handlers.builtins import (
    ExceptionEncounteredHandler,
    FallbackIntentHandler,
    HelpIntentHandler,
    NoIntentHandler,
    RepeatIntentHandler,
    SessionEndedRequestHandler,
    SilentRequestHandler,
    StopCancelHandler,
    UnknownIntentHandler,
    YesIntentHandler,
)
from skill.handlers.canfulfill import CanFulfillIntentRequestHandler
from skill.handlers.errors import CatchAllExceptionHandler
from skill.handlers.player import (
    PlaybackControllerHandler,
    PlaybackEventHandler,
    PlaybackFailedHandler,
    PlayerIntentHandler,
    Tracks,
)
from skill.handlers.preferences import ForgetMeIntentHandler, QuietModeIntentHandler
from skill.handlers.relief import CrampNowIntentHandler, LaunchRequestHandler
from skill.handlers.safety import CausesIntentHandler, SeeDoctorIntentHandler, SymptomCheckIntentHandler
from skill.handlers.stretch import (
    GuidedStretchIntentHandler,
    NavigationWithoutRoutineHandler,
    NextIntentHandler,
    PauseIntentHandler,
    PreviousIntentHandler,
    RepeatStepHandler,
    ResumeIntentHandler,
    StartOverIntentHandler,
)
from skill.handlers.reminders import BedtimeReminderIntentHandler, PermissionAnswerHandler
from skill.handlers.screen import UserEventHandler
from skill.handlers.tips import BedtimeTipIntentHandler, PreventionTipIntentHandler
from speech import Speaker

# First match wins: routine navigation comes before the general Repeat and the "no routine"
# answer; the catch-alls come last.
HANDLERS = (
    CanFulfillIntentRequestHandler,
    # The mid-cramp answers first: they are tried first.
    LaunchRequestHandler,
    CrampNowIntentHandler,
    GuidedStretchIntentHandler,
    # Bedtime tracks: AudioPlayer events and media buttons, then pause/resume/stop... said while
    # Alexa holds one of our tracks (ahead of routine navigation and Stop, only in that case).
    PlaybackEventHandler,
    PlaybackFailedHandler,
    PlaybackControllerHandler,
    PlayerIntentHandler,
    NextIntentHandler,
    PreviousIntentHandler,
    RepeatStepHandler,
    StartOverIntentHandler,
    PauseIntentHandler,
    ResumeIntentHandler,
    NavigationWithoutRoutineHandler,
    UserEventHandler,  # a touch on the stretch's buttons: the same answers as the spoken words
    YesIntentHandler,
    NoIntentHandler,
    RepeatIntentHandler,
    PreventionTipIntentHandler,
    BedtimeTipIntentHandler,
    CausesIntentHandler,
    SeeDoctorIntentHandler,
    SymptomCheckIntentHandler,
    QuietModeIntentHandler,
    ForgetMeIntentHandler,
    BedtimeReminderIntentHandler,
    PermissionAnswerHandler,
    HelpIntentHandler,
    StopCancelHandler,
    FallbackIntentHandler,
    SessionEndedRequestHandler,
    ExceptionEncounteredHandler,
    UnknownIntentHandler,
    SilentRequestHandler,
)


log = logging.getLogger(__name__)


def audio_pack(settings: Settings) -> Tracks:
    """The audio pack's manifest, read once at start-up. No base URL or no pack: no tracks, no error."""
    if not settings.audio_base_url:
        return Tracks()
    from speech.audio.manifest import Manifest, ManifestError

    try:
        return Tracks(Manifest.load(settings.audio_path), settings.audio_base_url)
    except (ManifestError, OSError) as exc:
        # The skill still speaks every tip; a broken pack must not take it down at night.
        log.error("audio pack at %s is unreadable, bedtime tracks are off: %s", settings.audio_path, exc)
        return Tracks()


def build_skill(settings: Settings, rng: random.Random | None = None, zones: Zones | None = None) -> Skill:
    """The whole skill. Content for every locale is loaded and validated here, once. ``zones``
    tells device time zones (default: the Alexa Settings API; the local surfaces know their own)."""
    contents = {locale: content.load(locale) for locale in content.locales()}
    if settings.locale not in contents:
        raise content.ContentError([f"no content for the default locale {settings.locale!r}"])
    rng = rng or random.Random()
    # One Speaker per locale for the life of the process: it keeps rendered SSML.
    speakers = {locale: Speaker(loaded, rng) for locale, loaded in contents.items()}
    store = open_store(settings.store_url)  # lazy: no file, no boto3, no network until used
    turns = TurnInterceptor(speakers, settings.locale, audio_pack(settings), store, Night(settings, zones))
    # The API client the SDK's service clients use (the Reminders API), at the request's apiEndpoint.
    builder = CustomSkillBuilder(persistence_adapter=store, api_client=BoundedApiClient())
    for handler in HANDLERS:
        builder.add_request_handler(handler())
    builder.add_global_request_interceptor(turns)
    builder.add_global_response_interceptor(MemorySaver())
    builder.add_exception_handler(CatchAllExceptionHandler(turns.speaker_for))
    sdk = builder.create()  # no skill id here: skill.invoke checks it, once
    # ask-sdk reads context.System for its API client on every request: an envelope without one
    # (a certification test's odd request) is answered by the same skill without the client.
    builder.api_client = None
    plain = builder.create()
    sdk.serializer = plain.serializer = Serializer()
    return Skill(sdk, settings.skill_id, plain)
