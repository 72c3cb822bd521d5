"""The catch-all: any exception becomes a calm apology from content, never an HTTP 500."""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler

from skill.handlers.base import reply
from skill.turn import KEY
from speech import ssml

log = logging.getLogger(__name__)


class CatchAllExceptionHandler(AbstractExceptionHandler):
    def __init__(self, speaker_for):
        self.speaker_for = speaker_for  # for a failure before the request's Turn was built

    def can_handle(self, handler_input, exception):
        return True

    def handle(self, handler_input, exception):
        log.error("handler failed", exc_info=exception)
        t = handler_input.attributes_manager.request_attributes.get(KEY)
        if t is not None:
            t.record.outcome = "error"
            return reply(t, t.speaker.say("error.main"), t.speaker.say("error.reprompt"))
        say = self.speaker_for(None)
        record = getattr(handler_input.context, "record", None)
        if record is not None:
            record.said, record.outcome = ("error.main",), "error"
        builder = handler_input.response_builder.speak(ssml.speak(say.say("error.main").fragment()))
        return builder.ask(ssml.speak(say.say("error.reprompt").fragment())).response
