"""What every handler shares: the Speaker, slot resolution, session state, and building a reply."""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import Response
from ask_sdk_model.slu.entityresolution import StatusCode
from ask_sdk_model.ui import SimpleCard

from speech import Speaker, Utterance, ssml

UNKNOWN = "?"  # a slot the user filled with a value we do not recognise


class IntentHandler(AbstractRequestHandler):
    """Handles the intent named by the class attribute ``intent``."""

    intent = ""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name(self.intent)(handler_input)


class RequestTypeHandler(AbstractRequestHandler):
    request_type = ""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type(self.request_type)(handler_input)


def speaker(handler_input: HandlerInput) -> Speaker:
    return handler_input.attributes_manager.request_attributes["speaker"]


def session(handler_input: HandlerInput) -> dict[str, Any]:
    # A request without a session (it may come without one) gets state for this request only;
    # the SDK would raise, and raise again in the catch-all's reply.
    if not handler_input.request_envelope.session:
        return handler_input.attributes_manager.request_attributes.setdefault("session", {})
    return handler_input.attributes_manager.session_attributes


def slot_id(slot) -> str | None:
    """The resolved value id of an ask-sdk Slot: None when empty, UNKNOWN when not recognised."""
    if slot is None or not slot.value:
        return None
    for resolution in (slot.resolutions.resolutions_per_authority or []) if slot.resolutions else []:
        status = resolution.status.code if resolution.status else None
        if status == StatusCode.ER_SUCCESS_MATCH and resolution.values:
            return resolution.values[0].value.id
    return UNKNOWN


def slot(handler_input: HandlerInput, name: str, known: Container[str] | None = None) -> str | None:
    """The slot's resolved id; UNKNOWN for an id outside ``known`` (a model ahead of the content)."""
    intent = handler_input.request_envelope.request.intent
    value = slot_id((intent.slots or {}).get(name))
    if known is not None and value not in (None, UNKNOWN) and value not in known:
        return UNKNOWN
    return value


def reply(handler_input: HandlerInput, speech: Utterance, reprompt: Utterance | None = None,
          card: tuple[Utterance, Utterance] | None = None, end: bool | None = None) -> Response:
    """Speak, optionally reprompt (keeps the session open) and show a card.

    At night (see skill.devicetime) the words are quiet and brief, as content marks each key,
    except in an answer that carries an emergency or urgent key.
    The last speech is kept in the session so AMAZON.RepeatIntent can say it again; the
    content keys spoken go with it, which is also what tests and logs read instead of prose.
    """
    night = bool(handler_input.attributes_manager.request_attributes.get("night"))
    quiet = night and not speech.loud  # an emergency or urgent answer is said at normal volume, prompt and all
    spoken, asked = speech.fragment(quiet), reprompt.fragment(quiet) if reprompt is not None else None
    if not night:  # a clip cannot whisper: at night the quiet voice wins
        spoken, asked = recorded(handler_input, speech, reprompt, spoken, asked)
    builder = handler_input.response_builder.speak(ssml.speak(spoken))
    if asked is not None:
        builder.ask(ssml.speak(asked))
    if card is not None:
        title, body = card
        builder.set_card(SimpleCard(title=title.text, content=body.text))
    if end is not None or reprompt is None:
        builder.set_should_end_session(end if end is not None else True)
    session(handler_input)["last"] = {
        "ssml": spoken, "reprompt": asked, "keys": list(speech.said_keys(quiet)),
    }
    return builder.response


def recorded(handler_input: HandlerInput, speech: Utterance, reprompt: Utterance | None,
             spoken: str, asked: str | None) -> tuple[str, str | None]:
    """The speech and reprompt as pre-rendered clips from the audio pack where it has them all
    (within Alexa's limits on clips per response), else the given text fragments."""
    tracks = handler_input.attributes_manager.request_attributes.get("tracks")
    if tracks is None or tracks.manifest is None:
        return spoken, asked
    from speech.audio.ssml import AudioSSML

    said, again = AudioSSML(tracks.manifest, speaker(handler_input).content.locale, tracks.base_url).response(
        speech, reprompt)
    return said or spoken, again or asked
