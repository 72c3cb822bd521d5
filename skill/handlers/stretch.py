"""The guided stretch: a multi-turn routine kept in the session, navigated by voice."""

from __future__ import annotations

from ask_sdk_model import Response

from skill import screens
from skill.handlers import handsfree
from skill.handlers.base import UNKNOWN, IntentHandler, IntentsHandler, reply, slot
from skill.memory import HANDS_FREE, PACES
from skill.turn import Place, Routine, Turn, Waiting, turn
from speech import SILENCE, Utterance
from speech.screens import spoken_seconds

DEFAULT_MUSCLE = "calf"  # back-of-leg cramps are the common case
MAX_ROUNDS = 2  # then it is time to say what to do and when to get help, not to stretch more


def start(t: Turn, muscle: str, lead: Utterance, step: int = 1, hands_free: bool | None = None) -> Response:
    """Start (or, from a later step, resume) a routine, hands free if asked or if that is the
    user's remembered choice. A new one opens with the clot cue: the stretch is exactly the move
    that hurts more with a clot."""
    if hands_free is None:
        hands_free = t.memory.pace == HANDS_FREE
    t.session.routine = Routine(muscle, step, hands_free=hands_free)
    if step == 1:
        lead += t.speaker.say("stretch.clot_cue")
    return say_step(t, lead)


def finish(t: Turn, waiting: Waiting | None = None) -> None:
    """The routine is over: nothing left to resume."""
    t.session.routine, t.session.waiting = None, waiting
    t.memory.routine = None


def say_step(t: Turn, lead: Utterance | None = None) -> Response:
    """Speak the current step with its hold; after the last step ask whether it is easing."""
    say, state = t.speaker, t.session.routine
    if state.hands_free:
        return handsfree.run(t, lead or SILENCE, state.step)
    total = len(say.content.routines[state.muscle].steps)
    screens.show_stretch(t, state.muscle, [state.step], lead=spoken_seconds(lead, t.quiet) if lead else 0.0)
    speech = (lead + say.step(state.muscle, state.step)) if lead else say.step(state.muscle, state.step)
    t.memory.routine = {"muscle": state.muscle, "step": state.step, "round": state.round}  # to resume later
    if state.step < total:
        t.session.waiting = None
        return reply(t, speech + say.say("stretch.next_prompt"), say.say("stretch.reprompt"))
    return ask_if_easing(t, speech)


def ask_if_easing(t: Turn, speech: Utterance) -> Response:
    say, muscle = t.speaker, t.session.routine.muscle
    t.session.waiting = Waiting.EASING
    steps = SILENCE
    for number in range(1, len(say.content.routines[muscle].steps) + 1):
        steps += say.say(f"routine.{muscle}.{number}")
    return reply(t, speech + say.say("stretch.done_check"), say.say("stretch.done_reprompt"),
                 card=(say.say("card.stretch", muscle=muscle), steps))


def moved(t: Turn, **changes) -> Routine:
    t.session.routine = t.session.routine._replace(**changes)
    return t.session.routine


class GuidedStretchIntentHandler(IntentHandler):
    intent = "GuidedStretchIntent"

    def answer(self, t):
        say = t.speaker
        muscle = slot(t, "muscle", say.content.muscles)
        pace, lead = slot(t, "pace", PACES), SILENCE
        if pace in PACES and pace != t.memory.pace:  # the user's choice, kept for next time
            t.memory.pace = pace
            lead = say.say("handsfree.remembered" if pace == HANDS_FREE else "handsfree.step_by_step")
        hands_free = t.memory.pace == HANDS_FREE
        if hands_free:
            lead += say.say("handsfree.intro", muscle=muscle if muscle in say.content.muscles else DEFAULT_MUSCLE)
        unfinished = t.memory.resumable()
        if unfinished and unfinished["muscle"] in say.content.muscles and muscle in (None, unfinished["muscle"]):
            t.session.waiting = Waiting.RESUME
            t.session.resume = Place(unfinished["muscle"], unfinished["step"])
            return reply(t, lead + say.say("stretch.resume_offer", muscle=unfinished["muscle"], step=unfinished["step"]),
                         say.say("stretch.resume_reprompt"))
        if muscle is None:
            return start(t, DEFAULT_MUSCLE, lead + say.say("stretch.intro_default"), hands_free=hands_free)
        if muscle == UNKNOWN:
            return start(t, DEFAULT_MUSCLE, lead + say.say("stretch.unknown_muscle"), hands_free=hands_free)
        return start(t, muscle, lead + (SILENCE if hands_free else say.say("stretch.intro", muscle=muscle)),
                     hands_free=hands_free)


class RoutineHandler(IntentHandler):
    """A navigation intent that only means something while a routine is running."""

    def can_handle(self, handler_input):
        return super().can_handle(handler_input) and turn(handler_input).session.routine is not None


class NextIntentHandler(RoutineHandler):
    intent = "AMAZON.NextIntent"

    def answer(self, t):
        state = t.session.routine
        if state.step >= len(t.content.routines[state.muscle].steps):
            return ask_if_easing(t, SILENCE)
        moved(t, step=state.step + 1)
        return say_step(t)


class PreviousIntentHandler(RoutineHandler):
    intent = "AMAZON.PreviousIntent"

    def answer(self, t):
        if t.session.routine.step == 1:
            return say_step(t, t.speaker.say("stretch.first_step"))
        moved(t, step=t.session.routine.step - 1)
        return say_step(t)


class RepeatStepHandler(RoutineHandler):
    intent = "AMAZON.RepeatIntent"

    def can_handle(self, handler_input):
        return super().can_handle(handler_input) and turn(handler_input).session.waiting is not Waiting.EASING

    def answer(self, t):
        return say_step(t)


class StartOverIntentHandler(RoutineHandler):
    intent = "AMAZON.StartOverIntent"

    def answer(self, t):
        moved(t, step=1, paused=False)
        return say_step(t, t.speaker.say("stretch.restart"))


class PauseIntentHandler(RoutineHandler):
    intent = "AMAZON.PauseIntent"

    def answer(self, t):
        moved(t, paused=True)
        return reply(t, t.speaker.say("stretch.paused"), t.speaker.say("stretch.paused"))


class ResumeIntentHandler(RoutineHandler):
    intent = "AMAZON.ResumeIntent"

    def answer(self, t):
        moved(t, paused=False)
        return say_step(t, t.speaker.say("stretch.resume"))


class NavigationWithoutRoutineHandler(IntentsHandler):
    """Next, Previous, StartOver, Pause or Resume said when no routine is running."""

    intents = ("AMAZON.NextIntent", "AMAZON.PreviousIntent", "AMAZON.StartOverIntent",
               "AMAZON.PauseIntent", "AMAZON.ResumeIntent")

    def answer(self, t):
        return reply(t, t.speaker.say("stretch.not_active"), t.speaker.say("fallback.reprompt"))


def easing(t: Turn) -> Response:
    """Yes to "is it easing?": aftercare, then offer a prevention tip."""
    say = t.speaker
    finish(t, Waiting.TIP)
    return reply(t, say.say("stretch.easing_yes") + say.say("aftercare.general") + say.say("tip.offer"),
                 say.say("tip.offer_reprompt"))


def not_easing(t: Turn) -> Response:
    """No to "is it easing?": one more round, then what to do now and when to get help."""
    state = t.session.routine
    if state and state.round < MAX_ROUNDS:
        moved(t, round=state.round + 1, step=1, paused=False)
        return say_step(t, t.speaker.say("stretch.another_round"))
    finish(t)
    return reply(t, t.speaker.say("stretch.not_easing"), end=True)
