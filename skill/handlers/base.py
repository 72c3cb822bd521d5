"""What every handler shares: handler base classes, slot resolution, and building a reply."""

from __future__ import annotations

from collections.abc import Container

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.ui import SimpleCard

from skill.turn import Said, Turn, turn
from speech import Utterance, ssml

UNKNOWN = "?"  # a slot the user filled with a value we do not recognise


class Handler(AbstractRequestHandler):
    """A handler whose ``answer`` takes this request's Turn."""

    def handle(self, handler_input: HandlerInput) -> Response:
        return self.answer(turn(handler_input))

    def answer(self, t: Turn) -> Response:
        raise NotImplementedError


class IntentHandler(Handler):
    """Handles the intent named by the class attribute ``intent``."""

    intent = ""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        facts = turn(handler_input).facts
        return facts.request_type == "IntentRequest" and facts.intent == self.intent


class IntentsHandler(Handler):
    """Handles any of the intents named in ``intents``."""

    intents: tuple[str, ...] = ()

    def can_handle(self, handler_input: HandlerInput) -> bool:
        facts = turn(handler_input).facts
        return facts.request_type == "IntentRequest" and facts.intent in self.intents


class RequestTypeHandler(Handler):
    request_type = ""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return turn(handler_input).facts.request_type == self.request_type


def slot_id(slot) -> str | None:
    """The resolved value id of an ask-sdk Slot: None when empty, UNKNOWN when not recognised."""
    if slot is None or not slot.value:
        return None
    from ask_sdk_model.slu.entityresolution import StatusCode  # only intents with slots need it

    for resolution in (slot.resolutions.resolutions_per_authority or []) if slot.resolutions else []:
        status = resolution.status.code if resolution.status else None
        if status == StatusCode.ER_SUCCESS_MATCH and resolution.values:
            return resolution.values[0].value.id
    return UNKNOWN


def slot_value(t: Turn, name: str) -> str | None:
    """What was said for a slot (an Alexa built-in type such as AMAZON.TIME: "22:00"), or None.
    An intent may come with no slots at all."""
    found = (t.handler_input.request_envelope.request.intent.slots or {}).get(name)
    return found.value if found is not None and found.value else None


def slot(t: Turn, name: str, known: Container[str] | None = None) -> str | None:
    """The slot's resolved id; UNKNOWN for an id outside ``known`` (a model ahead of the content)."""
    intent = t.handler_input.request_envelope.request.intent
    value = slot_id((intent.slots or {}).get(name))
    if known is not None and value not in (None, UNKNOWN) and value not in known:
        return UNKNOWN
    return value


def said_quietly(t: Turn, speech: Utterance) -> bool:
    """Whether ``speech`` goes out in the quiet night voice: never when it carries an emergency or
    urgent key (then the whole answer, prompt and all, is said at normal volume)."""
    return t.quiet and not speech.loud


def reply(t: Turn, speech: Utterance, reprompt: Utterance | None = None,
          card: tuple[Utterance, Utterance] | None = None, end: bool | None = None) -> Response:
    """Speak, optionally reprompt (keeps the session open) and show a card.

    Quiet and brief when the night module said so, as content marks each key, except in an
    answer that carries an emergency or urgent key. The answer is kept in the session for
    AMAZON.RepeatIntent, and its content keys go to the request log.
    """
    quiet = said_quietly(t, speech)
    spoken, asked = speech.fragment(quiet), reprompt.fragment(quiet) if reprompt is not None else None
    if not t.quiet:  # a clip cannot whisper: at night the quiet voice wins
        spoken, asked = recorded(t, speech, reprompt, spoken, asked)
    builder = t.builder.speak(ssml.speak(spoken))
    if asked is not None:
        builder.ask(ssml.speak(asked))
    if card is not None:
        title, body = card
        builder.set_card(SimpleCard(title=title.text, content=body.text))
    if end is not None or reprompt is None:
        builder.set_should_end_session(end if end is not None else True)
    t.record.said = speech.said_keys(quiet)
    t.session.last = Said(spoken, asked, t.record.said)
    return builder.response


def recorded(t: Turn, speech: Utterance, reprompt: Utterance | None,
             spoken: str, asked: str | None) -> tuple[str, str | None]:
    """The speech and reprompt as pre-rendered clips from the audio pack where it has them all
    (within Alexa's limits on clips per response), else the given text fragments."""
    if t.pack.manifest is None:
        return spoken, asked
    from speech.audio.ssml import AudioSSML

    said, again = AudioSSML(t.pack.manifest, t.content.locale, t.pack.base_url).response(speech, reprompt)
    return said or spoken, again or asked
