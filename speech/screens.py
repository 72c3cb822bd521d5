"""What a screen shows, as APL datasources: every word from content (the ``screen.*`` keys, relief
moves and routine steps), the theme (day, or dim and dark at night) and sizes for the viewport.

The documents (skill/apl/) only bind these paths; they hold no words of their own.
"""

from __future__ import annotations

import re
from typing import Any

from content import rules
from speech.catalog import Speaker

# Day: calm and high contrast. Night: black, dim grey text and a low amber: no bright light in a
# dark bedroom, and still readable at arm's length.
THEMES = {
    "day": {"background": "#F5F2EB", "text": "#1E2A33", "accent": "#2F6F8F", "ink": "#1E2A33",
            "mark": "#C56A1C", "button": "#DCE6EA"},
    "night": {"background": "#000000", "text": "#8C9098", "accent": "#6E6A5E", "ink": "#7A7E86",
              "mark": "#8A6A3A", "button": "#1A1C20"},
}
# Sizes in dp per viewport profile: text readable from the bed (at least 28 dp for body text on a
# hub, 32 dp on a TV seen from across the room).
LAYOUTS = {
    "hub-round-small": {"padding": 48, "gap": 12, "headline": 30, "body": 28, "small": 24, "button": 24,
                        "picture": 120, "bar": 120, "lines": 4, "row": False},
    "hub-landscape-medium": {"padding": 24, "gap": 16, "headline": 36, "body": 28, "small": 24, "button": 26,
                             "picture": 180, "bar": 220, "lines": 4, "row": True},
    "hub-landscape-large": {"padding": 40, "gap": 24, "headline": 48, "body": 34, "small": 28, "button": 32,
                            "picture": 280, "bar": 320, "lines": 5, "row": True},
    "tv-landscape-xlarge": {"padding": 48, "gap": 32, "headline": 56, "body": 40, "small": 32, "button": 36,
                            "picture": 320, "bar": 400, "lines": 5, "row": True},
}
DEFAULT_LAYOUT = "hub-landscape-medium"
MIN_TEXT_DP = 24
_FIRST = re.compile(r"^(.+?[.!?])(?:\s+|$)(.*)$", re.S)
BUTTONS = ("back", "repeat", "pause", "next")


def _frame(theme: str, profile: str) -> dict[str, Any]:
    return {"theme": dict(THEMES[theme]), "layout": dict(LAYOUTS.get(profile, LAYOUTS[DEFAULT_LAYOUT]))}


def relief(say: Speaker, muscle: str, move: str, *, night: bool, profile: str) -> dict[str, Any]:
    """The relief screen: ``move`` is the relief answer's plain text; its first sentence (the move
    itself) is shown large, the rest below it."""
    found = _FIRST.match(move.strip())
    first, rest = (found.group(1), found.group(2)) if found else (move, "")
    words = {"title": say.say("screen.relief_title", muscle=muscle).text, "move": first, "rest": rest,
             "picture": say.say("screen.picture", muscle=muscle).text}
    return {"screen": {"type": "object", "muscle": muscle, "words": words,
                       **_frame("night" if night else "day", profile)}}


def stretch(say: Speaker, muscle: str, numbers: list[int], *, night: bool, profile: str,
            hands_free: bool = False) -> dict[str, Any]:
    """The guided-stretch screen for the steps ``numbers`` (one, or every step said in one go)."""
    routine = say.content.routines[muscle]
    steps = [{"number": n, "label": say.say("screen.step_of", step=n, total=len(routine.steps)).text,
              "instruction": say.say(f"routine.{muscle}.{n}", 0).text, "hold": routine.steps[n - 1].hold}
             for n in numbers]
    words = {name: say.say(f"screen.{name}").text for name in (*BUTTONS, "seconds")}
    words["hint"] = say.say("screen.hint_hands_free" if hands_free else "screen.hint").text
    words["picture"] = say.say("screen.picture", muscle=muscle).text
    return {"stretch": {"type": "object", "muscle": muscle, "steps": steps, "words": words,
                        **_frame("night" if night else "day", profile)}}


def lead_seconds(say: Speaker, muscle: str, number: int, night: bool) -> float:
    """About how long Alexa speaks a step's instruction and "hold for N seconds" before the hold
    starts (the quiet night voice is slower)."""
    text = say.content.routines[muscle].steps[number - 1].say
    hold = say.content.phrase("stretch.hold").say[0]
    return rules.seconds(text + " " + hold) * (1.25 if night else 1.0)


def spoken_seconds(utterance, night: bool = False) -> float:
    """About how long an utterance takes to say, pauses included."""
    return rules.seconds(utterance.script) * (1.25 if night else 1.0)
