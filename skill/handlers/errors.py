"""The catch-all: any exception becomes a calm apology from content, never an HTTP 500."""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler

from skill.handlers.base import reply

log = logging.getLogger(__name__)


class CatchAllExceptionHandler(AbstractExceptionHandler):
    def __init__(self, speaker_for):
        self.speaker_for = speaker_for  # used when the failure came before a Speaker was set

    def can_handle(self, handler_input, exception):
        return True

    def handle(self, handler_input, exception):
        log.error("handler failed", exc_info=exception)
        say = handler_input.attributes_manager.request_attributes.get("speaker") or self.speaker_for(None)
        return reply(handler_input, say.say("error.main"), say.say("error.reprompt"))
