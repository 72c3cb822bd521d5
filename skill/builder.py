"""Builds the skill: content loaded and checked once, handlers registered in one explicit order."""

from __future__ import annotations

import json
import random
import time
from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model import RequestEnvelope

import content
from skill import logs
from skill.config import Settings
from skill.devicetime import night
from skill.memory import MemoryInterceptor, MemorySaver, Recall
from skill.store import open_store
from skill.serializer import Serializer
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
    TracksInterceptor,
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
    HelpIntentHandler,
    StopCancelHandler,
    FallbackIntentHandler,
    SessionEndedRequestHandler,
    ExceptionEncounteredHandler,
    UnknownIntentHandler,
    SilentRequestHandler,
)


class SkillIdMismatch(ValueError):
    """The request names another skill than the one configured."""


class BadEnvelope(ValueError):
    """The JSON is not a request envelope the SDK can read."""


class NightInterceptor(AbstractRequestInterceptor):
    """Decides, for requests that speak, whether to speak quietly (reply() reads it).

    The mid-cramp answers decide from what is already known (session, this process) without
    waiting on the store or the Settings API; the others may look both up, within a short bound.
    """

    MID_CRAMP = ("LaunchRequest", "CrampNowIntent")

    def __init__(self, settings: Settings):
        self.settings = settings

    def process(self, handler_input):
        request = handler_input.request_envelope.request
        if request.object_type not in ("LaunchRequest", "IntentRequest"):
            return
        name = request.intent.name if request.object_type == "IntentRequest" and request.intent else request.object_type
        handler_input.attributes_manager.request_attributes["night"] = night(
            handler_input, self.settings, allow_io=name not in self.MID_CRAMP)


class SpeakerInterceptor(AbstractRequestInterceptor):
    """Gives each request a Speaker for its locale (the default locale when we have no content)."""

    def __init__(self, contents: dict[str, content.Content], default: str, rng: random.Random):
        # One Speaker per locale for the life of the process: it keeps rendered SSML.
        self.speakers = {locale: Speaker(loaded, rng) for locale, loaded in contents.items()}
        self.default = self.speakers[default]

    def speaker_for(self, locale: str | None) -> Speaker:
        return self.speakers.get(locale or "", self.default)

    def process(self, handler_input):
        locale = getattr(handler_input.request_envelope.request, "locale", None)
        handler_input.attributes_manager.request_attributes["speaker"] = self.speaker_for(locale)


def build_skill(settings: Settings, rng: random.Random | None = None) -> CustomSkill:
    """The whole skill. Content for every locale is loaded and validated here, once."""
    contents = {locale: content.load(locale) for locale in content.locales()}
    if settings.locale not in contents:
        raise content.ContentError([f"no content for the default locale {settings.locale!r}"])
    speakers = SpeakerInterceptor(contents, settings.locale, rng or random.Random())
    store = open_store(settings.store_url)  # lazy: no file, no boto3, no network until used
    builder = CustomSkillBuilder(persistence_adapter=store)
    for handler in HANDLERS:
        builder.add_request_handler(handler())
    builder.add_global_request_interceptor(speakers)
    builder.add_global_request_interceptor(TracksInterceptor(Tracks.load(settings)))  # the audio pack, read once
    builder.add_global_request_interceptor(MemoryInterceptor(store, Recall()))
    builder.add_global_request_interceptor(NightInterceptor(settings))
    builder.add_global_response_interceptor(MemorySaver())
    builder.add_exception_handler(CatchAllExceptionHandler(speakers.speaker_for))
    builder.skill_id = settings.skill_id
    skill = builder.create()
    skill.serializer = Serializer()
    return skill


def application_id(payload: dict[str, Any]) -> str | None:
    try:
        return payload["context"]["System"]["application"]["applicationId"]
    except (KeyError, TypeError):
        pass
    try:
        return payload["session"]["application"]["applicationId"]
    except (KeyError, TypeError):
        return None


def respond(skill: CustomSkill, payload: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Answer one request envelope (already parsed JSON) with a response envelope (JSON-ready).

    Logs one structured line per request, whatever the outcome.
    """
    started = time.perf_counter()
    outcome, response = "ok", None
    try:
        # The SDK checks this too, but only after deserialising and with a generic exception.
        if skill.skill_id is not None and application_id(payload) != skill.skill_id:
            outcome = "skill-id"
            raise SkillIdMismatch("the request is for another skill")
        try:
            envelope = skill.serializer.deserialize(json.dumps(payload), RequestEnvelope)
        except (SerializationException, RecursionError) as exc:
            outcome = "bad-envelope"
            raise BadEnvelope(str(exc)) from exc
        try:
            response = skill.serializer.serialize(skill.invoke(request_envelope=envelope, context=context))
        except RecursionError as exc:
            # JSON nested deeper than the stack allows (the SDK deep-copies session attributes):
            # no Alexa request looks like that.
            outcome = "bad-envelope"
            raise BadEnvelope("the envelope is nested too deeply") from exc
        return response
    except Exception:
        outcome = outcome if outcome != "ok" else "exception"
        raise
    finally:
        logs.request_line(payload, outcome, started, time.perf_counter(), response)
