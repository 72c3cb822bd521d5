"""Screens (APL): documents validated with apl-suggester, our own checks on bindings and words,
golden responses per viewport profile, touch buttons as UserEvents (skill.invoke and HTTP), and
the hands-free routine inside Alexa's limits."""

from __future__ import annotations

import copy
import json
import os
import random
import re
import subprocess
from pathlib import Path

import pytest

from skill import screens
from skill.builder import build_skill
from skill.handlers.screen import ACTIONS
from skill.invoke import respond
from speech import Speaker
from speech import screens as data
from tests.envelopes import Conversation, intent, keys, load
from tests import fixtures
import content

ROOT = Path(__file__).resolve().parents[1]
E2E = ROOT / "tests" / "e2e"
GOLDEN = ROOT / "tests" / "fixtures" / "screens"
PROFILES = {  # Alexa's viewport profiles: (shape, px width, px height, dpi, mode)
    "hub-round-small": ("ROUND", 480, 480, 160, "HUB"),
    "hub-landscape-medium": ("RECTANGLE", 960, 480, 160, "HUB"),
    "hub-landscape-large": ("RECTANGLE", 1280, 800, 160, "HUB"),
    "tv-landscape-xlarge": ("RECTANGLE", 1920, 1080, 320, "TV"),
}
BINDING = re.compile(r"\$\{([^}]*)\}")
PATH = re.compile(r"payload\.(\w+(?:\.\w+|\[\d+\])*)")


def on_screen(envelope: dict, profile: str = "hub-landscape-large") -> dict:
    shape, width, height, dpi, mode = PROFILES[profile]
    envelope["context"]["System"]["device"]["supportedInterfaces"] = {"Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.3"}}}
    envelope["context"]["Viewport"] = {"shape": shape, "pixelWidth": width, "pixelHeight": height, "dpi": dpi,
                                       "mode": mode, "currentPixelWidth": width, "currentPixelHeight": height}
    return envelope


def user_event(action, attributes: dict) -> dict:
    envelope = on_screen(intent("AMAZON.NextIntent", attributes))
    envelope["request"] = {"type": "Alexa.Presentation.APL.UserEvent", "requestId": "amzn1.echo-api.request.ue",
                           "timestamp": envelope["request"]["timestamp"], "locale": "en-US",
                           "token": screens.TOKENS["stretch"], "arguments": [action], "source": {}}
    return envelope


def directives(response: dict) -> list[dict]:
    return response["response"].get("directives", [])


def rendered(response: dict) -> dict:
    (found,) = [d for d in directives(response) if d["type"] == "Alexa.Presentation.APL.RenderDocument"]
    return found


@pytest.fixture(scope="module")
def speaker():
    return Speaker(content.load(), random.Random(0))


def samples(speaker) -> list[tuple[str, dict, dict]]:
    """(name, document, datasources) for every document, day and night, every layout."""
    out = []
    for night in (False, True):
        for profile in PROFILES:
            out.append((f"relief-{profile}-{night}", screens.document("relief"),
                        data.relief(speaker, "calf", "Flex your foot. Then rub it.", night=night, profile=profile)))
            out.append((f"stretch-{profile}-{night}", screens.document("stretch"),
                        data.stretch(speaker, "hamstring", [1, 2], night=night, profile=profile)))
    return out


def test_every_document_passes_apl_suggester(tmp_path):
    files = []
    for name in screens.DOCUMENTS:
        files.append(tmp_path / f"{name}.json")
        files[-1].write_text(json.dumps(screens.document(name)))
    broken = tmp_path / "broken.json"  # the validator must be able to fail here
    broken.write_text(json.dumps({**screens.document("relief"), "mainTemplate": {"parameters": ["payload"], "items": [{"type": "Container", "backgroundColor": "#000000"}]}}))
    done = subprocess.run(["node", str(E2E / "apl-validate.js"), *map(str, files), str(broken)], cwd=E2E,
                          capture_output=True, text=True, timeout=120, check=True)
    found = json.loads(done.stdout)
    assert found[str(broken)], "apl-suggester accepted a broken document"
    for file in files:
        assert found[str(file)] == [], (file.name, found[str(file)])


def test_apl_suggester_is_pinned():
    assert json.loads((E2E / "package.json").read_text())["devDependencies"]["apl-suggester"] == "2024.2.0"


def _lookup(datasource: dict, path: str):
    value = datasource
    for part in re.findall(r"\w+|\[\d+\]", path):
        value = value[int(part[1:-1])] if part.startswith("[") else value[part]
    return value


def test_every_bound_path_exists_in_the_datasource(speaker):
    for name, document, datasources in samples(speaker):
        text = json.dumps(document["mainTemplate"]) + json.dumps(document.get("layouts", {}))
        paths = {p for expr in BINDING.findall(text) for p in PATH.findall(expr)}
        assert paths, name
        for path in paths:
            _lookup(datasources, path)  # KeyError: the document binds what the datasource lacks
        for step in datasources.get("stretch", {}).get("steps", []):  # ${data.x} inside the pager
            assert {"number", "label", "instruction", "hold"} <= set(step)


def _strings(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in ("description",):
                yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def test_documents_hold_no_words_of_their_own():
    for name in (*screens.DOCUMENTS, "graphics"):
        doc = json.loads((screens.FOLDER / f"{name}.json").read_text())
        for text in _strings(doc):
            outside = BINDING.sub("", text)
            # Outside bindings only property values: names, ids, colours, path data, actions.
            assert not re.search(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}", outside), (name, text)


def test_layouts_are_readable_on_every_profile():
    for profile in PROFILES:
        layout = data.LAYOUTS[screens.profile(__import__("skill.envelope", fromlist=["Viewport"]).Viewport(*PROFILES[profile]))]
        assert layout is data.LAYOUTS[profile]
        assert min(layout[k] for k in ("headline", "body", "small", "button")) >= data.MIN_TEXT_DP
    assert data.LAYOUTS["tv-landscape-xlarge"]["body"] >= 32  # seen from across the room


def test_night_theme_is_dim_and_dark():
    def light(colour: str) -> float:
        return sum(int(colour[i:i + 2], 16) for i in (1, 3, 5)) / 3

    night, day = data.THEMES["night"], data.THEMES["day"]
    assert light(night["background"]) < 20 and light(night["text"]) < 160 < light(day["background"])
    assert all(light(night[k]) < light(day["background"]) for k in night)


UPDATE_GOLDEN = os.environ.get("CRAMP_COACH_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_golden_responses_per_viewport(skill, profile):
    talk = Conversation(skill)
    answers = {"relief": talk.send(on_screen(intent("CrampNowIntent", muscle="foot"), profile)),
               "stretch": talk.send(on_screen(intent("AMAZON.YesIntent", talk.attributes), profile))}
    for name, response in answers.items():
        response = copy.deepcopy(response)
        response["response"].pop("outputSpeech"), response["response"].pop("reprompt", None)
        response.pop("sessionAttributes")
        response["response"].pop("card", None)
        golden = GOLDEN / f"{name}-{profile}.json"
        if UPDATE_GOLDEN:  # CRAMP_COACH_UPDATE_GOLDEN=1 after a deliberate change; review the diff
            golden.write_text(json.dumps(response, indent=1, sort_keys=True) + "\n")
        assert golden.is_file(), f"{golden} is missing: run with CRAMP_COACH_UPDATE_GOLDEN=1 and review it"
        assert response == json.loads(golden.read_text()), golden.name
        assert response["response"]["shouldEndSession"] is False


def test_no_directive_to_a_device_without_apl(skill):
    talk = Conversation(skill)
    for envelope in (intent("CrampNowIntent", muscle="calf"), intent("GuidedStretchIntent", muscle="calf")):
        assert not [d for d in directives(talk.send(envelope)) if d["type"].startswith("Alexa.Presentation")]


def test_the_countdown_follows_the_spoken_count(skill):
    response = Conversation(skill).send(on_screen(intent("GuidedStretchIntent", muscle="calf", pace="hands_free")))
    (commands,) = [d for d in directives(response) if d["type"] == "Alexa.Presentation.APL.ExecuteCommands"]
    flat = json.dumps(commands)
    holds = [s.hold for s in content.load().routines["calf"].steps]
    assert flat.count('"AnimateItem"') == sum(1 for h in holds if h)
    assert flat.count('"SetPage"') == len(holds)
    for number, hold in enumerate(holds, 1):
        shown = re.findall(rf'"componentId": "count-{number}", "property": "text", "value": "(\d+)"', flat)
        assert [int(v) for v in shown] == list(range(hold - 5, -1, -5)) if hold else shown == []


@pytest.mark.parametrize("action, intent_name", [(a, h.intent) for a, h in ACTIONS.items()])
def test_buttons_answer_as_the_spoken_words(skill, action, intent_name):
    talk = Conversation(skill)
    talk.send(on_screen(intent("GuidedStretchIntent", muscle="calf")))
    talk.send(on_screen(intent("AMAZON.NextIntent", talk.attributes)))
    started = dict(talk.attributes)
    spoken = Conversation(skill)
    spoken.attributes = copy.deepcopy(started)
    by_voice = spoken.send(on_screen(intent(intent_name, spoken.attributes)))
    by_touch = respond(skill, user_event(action, copy.deepcopy(started)))
    assert keys(by_touch) and keys(by_touch)[0] == keys(by_voice)[0]
    assert by_touch["sessionAttributes"]["routine"] == by_voice["sessionAttributes"]["routine"]
    assert by_touch["response"]["shouldEndSession"] is False


def test_an_unknown_button_or_no_routine_is_answered_calmly(skill):
    for action, attributes in (("dance", {}), ("next", {}), (None, {})):
        response = respond(skill, user_event(action, attributes))
        assert keys(response) == ["stretch.not_active"] and response["response"]["shouldEndSession"] is False


def test_buttons_over_http(client):
    talk = Conversation(None)
    first = client.post("/alexa", json=on_screen(intent("GuidedStretchIntent", muscle="calf"))).get_json()
    after = client.post("/alexa", json=user_event("next", first["sessionAttributes"])).get_json()
    assert after["sessionAttributes"]["routine"]["step"] == 2 and rendered(after)
    back = client.post("/alexa", json=user_event("previous", after["sessionAttributes"])).get_json()
    assert back["sessionAttributes"]["routine"]["step"] == 1 and talk.skill is None


# --- hands free -----------------------------------------------------------------------------


@pytest.mark.parametrize("muscle", sorted(content.load().muscles))
@pytest.mark.parametrize("night", [False, True])
def test_hands_free_says_every_step_in_one_answer(skill, muscle, night):
    envelope = intent("GuidedStretchIntent", muscle=muscle, pace="hands_free")
    envelope["request"]["timestamp"] = "2026-11-24T08:00:00Z" if night else "2026-11-24T18:00:00Z"
    response = Conversation(skill).send(envelope)
    said, ssml = keys(response), response["response"]["outputSpeech"]["ssml"]
    steps = len(content.load().routines[muscle].steps)
    assert [k for k in said if k.startswith(f"routine.{muscle}.")] == [f"routine.{muscle}.{n}" for n in range(1, steps + 1)]
    assert said[-1] == "stretch.done_check" and response["response"]["shouldEndSession"] is False
    assert len(ssml) <= 8000 and all(float(s) <= 10 for s in re.findall(r'<break time="(\d+)s"/>', ssml))


def test_the_pace_is_remembered(skill):
    talk = Conversation(skill)
    talk.say("GuidedStretchIntent", pace="hands_free")
    assert "handsfree.remembered" in talk.keys
    talk.launch()
    talk.say("AMAZON.YesIntent")  # the relief's offer: hands free, as chosen
    assert talk.keys[-1] == "stretch.done_check" and "handsfree.remembered" not in talk.keys
    talk.say("GuidedStretchIntent", pace="step_by_step")
    assert talk.keys[0] == "handsfree.step_by_step" and talk.keys[-1] != "stretch.done_check"  # noqa: E501


def test_a_long_routine_is_split_within_alexas_limits(skill, monkeypatch):
    from skill.handlers import handsfree

    monkeypatch.setattr(handsfree, "MAX_SSML_CHARS", 700)  # as if the routine were far longer
    talk = Conversation(skill)
    parts = [talk.say("GuidedStretchIntent", muscle="calf", pace="hands_free")]
    while talk.keys[-1] == "handsfree.continue":
        assert len(talk.last["response"]["outputSpeech"]["ssml"]) <= 700 or talk.keys.count("stretch.hold") <= 1
        parts.append(talk.say("AMAZON.NextIntent"))
        assert len(parts) < 10
    assert len(parts) > 1 and talk.keys[-1] == "stretch.done_check"
    said = [k for part in parts for k in keys(part) if k.startswith("routine.calf.")]
    assert said == [f"routine.calf.{n}" for n in range(1, 6)]


def test_should_end_session_is_explicit_on_every_spoken_answer(skill):
    """Alexa+ readiness: every answer that speaks says whether the session ends."""
    talk, seen = Conversation(skill), 0
    script = [("launch",), ("AMAZON.YesIntent",), ("AMAZON.NextIntent",), ("AMAZON.PauseIntent",),
              ("AMAZON.ResumeIntent",), ("AMAZON.RepeatIntent",), ("AMAZON.StartOverIntent",),
              ("GuidedStretchIntent", {"pace": "hands_free"}), ("AMAZON.NoIntent",), ("AMAZON.NoIntent",),
              ("PreventionTipIntent", {"topic": "hydration"}), ("AMAZON.YesIntent",), ("CausesIntent",),
              ("SeeDoctorIntent",), ("SymptomCheckIntent", {"symptom": "swelling"}), ("BedtimeTipIntent",),
              ("AMAZON.NoIntent",), ("QuietModeIntent", {"mode": "whisper"}), ("AMAZON.HelpIntent",),
              ("BedtimeReminderIntent", {}), ("ForgetMeIntent",), ("AMAZON.StopIntent",)]
    for screen in (False, True):
        for step in script:
            envelope = load(fixtures.LAUNCH) if step[0] == "launch" else intent(step[0], talk.attributes, **(step[1] if len(step) > 1 else {}))
            response = talk.send(on_screen(envelope) if screen else envelope)
            if "outputSpeech" in response["response"]:
                assert isinstance(response["response"].get("shouldEndSession"), bool), step
                seen += 1
    assert seen == 2 * len(script)
