"""Touch on a screen: the stretch's buttons send Alexa.Presentation.APL.UserEvent with
``arguments: [ACTION]``, answered exactly as the spoken navigation intent would be."""

from __future__ import annotations

from skill.handlers import stretch
from skill.handlers.base import RequestTypeHandler

ACTIONS = {  # the contract (PLATFORM.md): next, previous, repeat, pause, start_over
    "next": stretch.NextIntentHandler,
    "previous": stretch.PreviousIntentHandler,
    "repeat": stretch.RepeatStepHandler,
    "pause": stretch.PauseIntentHandler,
    "start_over": stretch.StartOverIntentHandler,
}


class UserEventHandler(RequestTypeHandler):
    request_type = "Alexa.Presentation.APL.UserEvent"

    def answer(self, t):
        arguments = getattr(t.handler_input.request_envelope.request, "arguments", None) or []
        action = ACTIONS.get(arguments[0]) if arguments and isinstance(arguments[0], str) else None
        if action is None or t.session.routine is None:  # an old screen, or an unknown button
            return stretch.NavigationWithoutRoutineHandler().answer(t)
        return action().answer(t)
