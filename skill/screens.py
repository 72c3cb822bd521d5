"""APL on devices with a screen: the relief move and the guided stretch, as documents from
skill/apl/ with datasources from speech.screens, and a hold countdown timed to the spoken count.

Only to devices whose supportedInterfaces has Alexa.Presentation.APL. The documents are read
from disk once per process; nothing here touches the network.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from skill.envelope import Viewport
from skill.turn import Turn
from speech import screens
from speech.catalog import COUNT_EVERY_SECONDS

APL = "Alexa.Presentation.APL"
FOLDER = Path(__file__).resolve().parent / "apl"
DOCUMENTS = ("relief", "stretch")
TOKENS = {"relief": "cramp-coach-relief", "stretch": "cramp-coach-stretch"}
COUNT_WORD_SECONDS = 0.4  # each spoken count ("5.") between the silences of a hold
RELEASE_SECONDS = 1.0  # "and relax", and a breath before the next step


@functools.lru_cache(maxsize=None)
def document(name: str) -> dict[str, Any]:
    """The APL document ``name`` with the shared drawings (graphics.json) put in."""
    found = json.loads((FOLDER / f"{name}.json").read_text(encoding="utf-8"))
    found["graphics"] = json.loads((FOLDER / "graphics.json").read_text(encoding="utf-8"))
    return found


def shows(t: Turn) -> bool:
    return t.facts.supports(APL)


def profile(viewport: Viewport | None) -> str:
    """The viewport profile the layout is sized for (Alexa's names), from context.Viewport."""
    if viewport is None:
        return screens.DEFAULT_LAYOUT
    width, height = viewport.dp
    if viewport.shape == "ROUND":
        return "hub-round-small"
    if viewport.mode == "TV":
        return "tv-landscape-xlarge"
    return "hub-landscape-large" if width >= 1024 and height >= 600 else "hub-landscape-medium"


def _render(t: Turn, name: str, datasources: dict[str, Any]) -> None:
    from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

    t.builder.add_directive(RenderDocumentDirective(token=TOKENS[name], document=document(name),
                                                    datasources=datasources))


def show_relief(t: Turn, muscle: str, move: str) -> None:
    if shows(t):
        _render(t, "relief", screens.relief(t.speaker, muscle, move, night=t.quiet, profile=profile(t.facts.viewport)))


def show_stretch(t: Turn, muscle: str, numbers: list[int], hands_free: bool = False, lead: float = 0.0) -> None:
    """The steps ``numbers`` on screen, each hold counted down in step with the speech; ``lead``
    is about how long the speech before the first step takes."""
    if not shows(t):
        return
    from ask_sdk_model.interfaces.alexa.presentation.apl import ExecuteCommandsDirective

    data = screens.stretch(t.speaker, muscle, numbers, night=t.quiet, profile=profile(t.facts.viewport),
                           hands_free=hands_free)
    _render(t, "stretch", data)
    t.builder.add_directive(ExecuteCommandsDirective(token=TOKENS["stretch"],
                                                     commands=schedule(t, muscle, numbers, lead)))


def schedule(t: Turn, muscle: str, numbers: list[int], lead: float) -> list[dict[str, Any]]:
    """Commands that turn the pages and run each hold's countdown as the speech reaches it."""
    commands: list[dict[str, Any]] = []
    waited = lead
    for page, number in enumerate(numbers):
        hold = t.content.routines[muscle].steps[number - 1].hold
        commands.append({"type": "SetPage", "componentId": "steps", "position": "absolute", "value": page})
        waited += screens.lead_seconds(t.speaker, muscle, number, t.quiet)
        commands.append({"type": "Idle", "delay": round(waited * 1000)})
        waited = 0.0
        if hold:
            commands.append({"type": "Parallel", "commands": [
                {"type": "AnimateItem", "componentId": f"bar-{number}", "duration": hold * 1000, "easing": "linear",
                 "value": [{"property": "transform", "from": [{"scaleX": 1}], "to": [{"scaleX": 0}]}]},
                {"type": "Sequential", "commands": countdown(number, hold)}]})
        waited += RELEASE_SECONDS
    return [{"type": "Sequential", "commands": commands}]


def countdown(number: int, hold: int) -> list[dict[str, Any]]:
    """The seconds left, shown as each spoken count is said (every COUNT_EVERY_SECONDS)."""
    out: list[dict[str, Any]] = []
    left = hold
    while left > 0:
        step = min(COUNT_EVERY_SECONDS, left)
        out.append({"type": "Idle", "delay": round((step + COUNT_WORD_SECONDS) * 1000)})
        left -= step
        out.append({"type": "SetValue", "componentId": f"count-{number}", "property": "text", "value": str(left)})
    return out
