"""The two interceptors: one builds each request's Turn, one saves the user's memory after it."""

from __future__ import annotations

from collections.abc import Mapping

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor, AbstractResponseInterceptor
from ask_sdk_core.serialize import DefaultSerializer

from skill import envelope
from skill.memory import Memory
from skill.night import Night
from skill.turn import KEY, Call, Session, Turn
from speech import Speaker

# The mid-cramp answers: they decide quiet or normal without waiting on the store or the network.
MID_CRAMP = ("LaunchRequest", "CrampNowIntent")
SPEAKING = ("LaunchRequest", "IntentRequest")


class TurnInterceptor(AbstractRequestInterceptor):
    def __init__(self, speakers: Mapping[str, Speaker], default: str, pack, store, night: Night):
        self.speakers = speakers
        self.default = speakers[default]
        self.pack = pack
        self.store = store
        self.night = night

    def speaker_for(self, locale: str | None) -> Speaker:
        return self.speakers.get(locale or "", self.default)

    def build(self, handler_input) -> Turn:
        """The request's Turn, before the night decision."""
        call = handler_input.context if isinstance(handler_input.context, Call) else None
        # skill.invoke read the facts from the JSON; a direct skill.invoke() reads them here.
        facts = call.facts if call else envelope.read(DefaultSerializer().serialize(handler_input.request_envelope))
        model = handler_input.request_envelope
        speaker = self.speaker_for(facts.locale)
        # A request may come without a session: then its state lasts for this request only.
        attributes = handler_input.attributes_manager.session_attributes if model.session is not None else {}
        t = Turn(facts, speaker, self.pack, Memory(model, facts, self.store), Session(attributes, speaker.content),
                 handler_input, self.night, **({"record": call.record} if call else {}))
        handler_input.attributes_manager.request_attributes[KEY] = t
        return t

    def process(self, handler_input) -> None:
        t = self.build(handler_input)
        if t.facts.request_type in SPEAKING:
            t.quiet = self.night.decide(t, allow_io=t.facts.name not in MID_CRAMP)


class MemorySaver(AbstractResponseInterceptor):
    """Saves the user's memory after the handler, when it changed."""

    def process(self, handler_input, response) -> None:
        found = handler_input.attributes_manager.request_attributes.get(KEY)
        if found is not None:
            found.memory.save()
