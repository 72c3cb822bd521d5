"""The guided stretch: a multi-turn routine kept in session attributes, navigated by voice."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name
from ask_sdk_model import Response

from skill.handlers.base import UNKNOWN, IntentHandler, reply, session, slot, speaker
from skill.memory import memory
from speech import SILENCE, Utterance

DEFAULT_MUSCLE = "calf"  # back-of-leg cramps are the common case
MAX_ROUNDS = 2


def routine(handler_input: HandlerInput) -> dict | None:
    """The routine in progress, or None. Alexa echoes session attributes back, so a shape this
    code never writes (an older version's, a client's) counts as no routine. A muscle the content
    lacks is kept: that is a content regression, and the catch-all logs it."""
    state = session(handler_input).get("routine")
    if not (isinstance(state, dict) and isinstance(state.get("muscle"), str) and _counter(state.get("step"))
            and _counter(state.get("round")) and isinstance(state.get("paused", False), bool)):
        return None
    known = speaker(handler_input).content.routines.get(state["muscle"])
    return None if known is not None and state["step"] > len(known.steps) else state


def _counter(value) -> bool:
    return type(value) is int and value >= 1


def start(handler_input: HandlerInput, muscle: str, lead: Utterance, step: int = 1) -> Response:
    """Start (or, from a later step, resume) a routine. A new one opens with the clot cue: the
    stretch is exactly the move that hurts more with a clot."""
    session(handler_input)["routine"] = {"muscle": muscle, "step": step, "round": 1, "paused": False}
    if step == 1:
        lead += speaker(handler_input).say("stretch.clot_cue")
    return say_step(handler_input, lead)


def offered_resume(handler_input: HandlerInput) -> dict | None:
    """The routine offered for resumption, if the echoed session attribute is still one of ours."""
    saved = session(handler_input).pop("resume", None)
    known = speaker(handler_input).content
    if (isinstance(saved, dict) and isinstance(saved.get("muscle"), str) and saved["muscle"] in known.muscles
            and _counter(saved.get("step")) and saved["step"] <= len(known.routines[saved["muscle"]].steps)):
        return saved
    return None


def finish(handler_input: HandlerInput, **after) -> None:
    """The routine is over: nothing left to resume."""
    session(handler_input).update(routine=None, **after)
    memory(handler_input).routine = None


def say_step(handler_input: HandlerInput, lead: Utterance | None = None) -> Response:
    """Speak the current step with its hold; after the last step ask whether it is easing."""
    say = speaker(handler_input)
    state = routine(handler_input)
    muscle, number = state["muscle"], state["step"]
    total = len(say.content.routines[muscle].steps)
    speech = (lead + say.step(muscle, number)) if lead else say.step(muscle, number)
    memory(handler_input).routine = state  # so an interrupted routine can be resumed later
    if number < total:
        session(handler_input)["pending"] = None
        return reply(handler_input, speech + say.say("stretch.next_prompt"), say.say("stretch.reprompt"))
    return ask_if_easing(handler_input, speech)


def ask_if_easing(handler_input: HandlerInput, speech: Utterance) -> Response:
    say = speaker(handler_input)
    session(handler_input)["pending"] = "easing"
    muscle = routine(handler_input)["muscle"]
    steps = SILENCE
    for number in range(1, len(say.content.routines[muscle].steps) + 1):
        steps += say.say(f"routine.{muscle}.{number}")
    return reply(handler_input, speech + say.say("stretch.done_check"), say.say("stretch.done_reprompt"),
                 card=(say.say("card.stretch", muscle=muscle), steps))


def not_active(handler_input: HandlerInput) -> Response:
    say = speaker(handler_input)
    return reply(handler_input, say.say("stretch.not_active"), say.say("fallback.reprompt"))


class GuidedStretchIntentHandler(IntentHandler):
    intent = "GuidedStretchIntent"

    def handle(self, handler_input):
        say = speaker(handler_input)
        muscle = slot(handler_input, "muscle", say.content.muscles)
        unfinished = memory(handler_input).resumable()
        if unfinished and unfinished["muscle"] in say.content.muscles and muscle in (None, unfinished["muscle"]):
            session(handler_input).update(pending="resume", resume=unfinished)
            return reply(handler_input, say.say("stretch.resume_offer", muscle=unfinished["muscle"],
                                                step=unfinished["step"]), say.say("stretch.resume_reprompt"))
        if muscle is None:
            return start(handler_input, DEFAULT_MUSCLE, say.say("stretch.intro_default"))
        if muscle == UNKNOWN:
            return start(handler_input, DEFAULT_MUSCLE, say.say("stretch.unknown_muscle"))
        return start(handler_input, muscle, say.say("stretch.intro", muscle=muscle))


class RoutineHandler(IntentHandler):
    """A navigation intent that only means something while a routine is running."""

    def can_handle(self, handler_input):
        return super().can_handle(handler_input) and routine(handler_input) is not None


class NextIntentHandler(RoutineHandler):
    intent = "AMAZON.NextIntent"

    def handle(self, handler_input):
        state = routine(handler_input)
        total = len(speaker(handler_input).content.routines[state["muscle"]].steps)
        if state["step"] >= total:
            return ask_if_easing(handler_input, SILENCE)
        state["step"] += 1
        return say_step(handler_input)


class PreviousIntentHandler(RoutineHandler):
    intent = "AMAZON.PreviousIntent"

    def handle(self, handler_input):
        state = routine(handler_input)
        if state["step"] == 1:
            return say_step(handler_input, speaker(handler_input).say("stretch.first_step"))
        state["step"] -= 1
        return say_step(handler_input)


class RepeatStepHandler(RoutineHandler):
    intent = "AMAZON.RepeatIntent"

    def can_handle(self, handler_input):
        return super().can_handle(handler_input) and session(handler_input).get("pending") != "easing"

    def handle(self, handler_input):
        return say_step(handler_input)


class StartOverIntentHandler(RoutineHandler):
    intent = "AMAZON.StartOverIntent"

    def handle(self, handler_input):
        routine(handler_input).update(step=1, paused=False)
        return say_step(handler_input, speaker(handler_input).say("stretch.restart"))


class PauseIntentHandler(RoutineHandler):
    intent = "AMAZON.PauseIntent"

    def handle(self, handler_input):
        routine(handler_input)["paused"] = True
        say = speaker(handler_input)
        return reply(handler_input, say.say("stretch.paused"), say.say("stretch.paused"))


class ResumeIntentHandler(RoutineHandler):
    intent = "AMAZON.ResumeIntent"

    def handle(self, handler_input):
        routine(handler_input)["paused"] = False
        return say_step(handler_input, speaker(handler_input).say("stretch.resume"))


class NavigationWithoutRoutineHandler(IntentHandler):
    """Next, Previous, StartOver, Pause or Resume said when no routine is running."""

    intents = ("AMAZON.NextIntent", "AMAZON.PreviousIntent", "AMAZON.StartOverIntent",
               "AMAZON.PauseIntent", "AMAZON.ResumeIntent")

    def can_handle(self, handler_input):
        return any(is_intent_name(name)(handler_input) for name in self.intents)

    def handle(self, handler_input):
        return not_active(handler_input)


def easing(handler_input: HandlerInput) -> Response:
    """Yes to "is it easing?": aftercare, then offer a prevention tip."""
    say = speaker(handler_input)
    finish(handler_input, pending="tip")
    speech = say.say("stretch.easing_yes") + say.say("aftercare.general") + say.say("tip.offer")
    return reply(handler_input, speech, say.say("tip.offer_reprompt"))


def not_easing(handler_input: HandlerInput) -> Response:
    """No to "is it easing?": one more round, then advise medical help."""
    say = speaker(handler_input)
    state = routine(handler_input)
    if state and state["round"] < MAX_ROUNDS:
        state.update(round=state["round"] + 1, step=1, paused=False)
        return say_step(handler_input, say.say("stretch.another_round"))
    finish(handler_input, pending=None)
    return reply(handler_input, say.say("stretch.not_easing"), end=True)
