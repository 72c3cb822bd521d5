"""The hands-free routine: every step with its counted hold in one answer, then "is it easing?".

Alexa bounds one answer (8,000 SSML characters; with clips at most 5 and 240 s of audio), so a
routine that does not fit is said in as few parts as fit, each ending "say next for the rest".
"""

from __future__ import annotations

from ask_sdk_model import Response

from content import rules
from skill import screens
from skill.handlers.base import reply, said_quietly
from skill.turn import Turn
from speech import SILENCE, Utterance, ssml
from speech.screens import spoken_seconds

MAX_SSML_CHARS = 8000
MAX_CLIPS = 5
MAX_AUDIO_SECONDS = 240.0


def fits(t: Turn, speech: Utterance) -> bool:
    """Whether ``speech`` is within Alexa's limits for one answer, as reply() would say it."""
    if len(ssml.speak(speech.fragment(said_quietly(t, speech)))) > MAX_SSML_CHARS:
        return False
    if t.pack.manifest is None or t.quiet:  # no clips: Alexa's voice, no audio limits
        return True
    return len(speech.pieces) <= MAX_CLIPS and rules.seconds(speech.script) <= MAX_AUDIO_SECONDS


def run(t: Turn, lead: Utterance, first: int) -> Response:
    """Say the steps from ``first`` on, as many as fit after ``lead``; the routine's step is the
    last one said, so "next" carries on from there."""
    from skill.handlers import stretch

    say, state = t.speaker, t.session.routine
    total = len(t.content.routines[state.muscle].steps)
    closing = say.say("stretch.done_check")
    speech, said = lead, []
    for number in range(first, total + 1):
        step = say.step(state.muscle, number) + (say.say("handsfree.between") if number < total else SILENCE)
        tail = closing if number == total else say.say("handsfree.continue")
        if said and not fits(t, speech + step + tail):
            break
        speech += step
        said.append(number)
    stretch.moved(t, step=said[-1])
    t.memory.routine = {"muscle": state.muscle, "step": said[-1], "round": state.round}
    screens.show_stretch(t, state.muscle, said, hands_free=True, lead=spoken_seconds(lead, t.quiet))
    if said[-1] == total:
        return stretch.ask_if_easing(t, speech)
    t.session.waiting = None
    return reply(t, speech + say.say("handsfree.continue"), say.say("stretch.reprompt"))
