"""`cramp-coach chat`, run for real: a subprocess fed by stdin (and one at a terminal), answering
through the real skill. Tests check request types, slots and content keys, never the prose."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import time

import pytest

import content
from speech import Speaker
from tests.loopback import CLI



def chat(lines: list[str] | bytes, *options: str, env: dict | None = None, timeout: float = 120):
    data = lines if isinstance(lines, bytes) else "".join(f"{line}\n" for line in lines).encode()
    done = subprocess.run([CLI, "chat", *options], input=data, capture_output=True, timeout=timeout,
                          env={**os.environ, "CRAMP_COACH_STORE": "none", **(env or {})})
    assert "Traceback" not in done.stderr.decode(errors="replace"), done.stderr.decode(errors="replace")
    return done


def turns(lines, *options: str) -> list[dict]:
    done = chat(lines, "--json", *options)
    assert done.returncode == 0, done.stderr.decode()
    return [json.loads(line) for line in done.stdout.decode().splitlines()]


TIPS = {tip.id for tip in content.load().tips}


def phrase(key: str, **slots) -> str:
    return Speaker(content.load()).say(key, 0, **slots).text


def test_a_night_cramp_with_a_guided_stretch_is_quiet_from_the_first_word():
    steps = len(content.load().routines["calf"].steps)
    said = turns(["my calf is cramping", "yes", *["next"] * (steps - 1), "yes", "no"], "--at", "03:00")
    launch, cramp, start, *rest = said
    assert launch["request"] == "LaunchRequest" and launch["keys"][0] == "relief.calf"
    assert cramp["request"] == "CrampNowIntent" and cramp["slots"] == {"muscle": "calf"}
    assert cramp["spoken_slots"] == {"muscle": "calf"} and cramp["keys"][0] == "relief.calf"
    assert start["request"] == "AMAZON.YesIntent" and "stretch.clot_cue" in start["keys"]
    assert "routine.calf.1" in start["keys"]
    for number, step in enumerate(rest[:steps - 1], 2):
        assert step["request"] == "AMAZON.NextIntent" and f"routine.calf.{number}" in step["keys"]
    assert "stretch.done_check" in rest[steps - 2]["keys"]
    easing, goodbye = rest[steps - 1:]
    assert "stretch.easing_yes" in easing["keys"] and goodbye["ended"]
    assert all(turn["quiet"] for turn in said)  # night on the device's clock, every turn
    held = [step for step in said if "stretch.hold" in step["keys"]]
    assert held and all("[" + phrase("chat.hold", seconds=20) + "]" in step["text"] for step in held
                        if content.load().routines["calf"].steps[int(step["keys"][0].split(".")[-1]) - 1].hold == 20)


def test_by_day_it_speaks_normally_and_keeps_one_session():
    said = turns(["give me a hydration tip", "yes"], "--at", "14:00")
    assert not any(turn["quiet"] for turn in said)
    first = [key for key in said[1]["keys"] if key.removeprefix("tip.") in TIPS]
    again = [key for key in said[2]["keys"] if key.removeprefix("tip.") in TIPS]
    assert said[1]["slots"] == {"topic": "hydration"} and len(first) == 1
    assert said[2]["request"] == "AMAZON.YesIntent" and len(again) == 1  # "another tip?" yes
    assert first != again  # the session remembers the tip heard


def test_after_the_session_ends_the_next_line_opens_a_new_one():
    said = turns(["stop", "next", "open cramp coach", "ask cramp coach for a bedtime tip"], "--at", "14:00")
    assert said[1]["ended"]
    assert said[2]["request"] == "AMAZON.NextIntent" and "stretch.not_active" in said[2]["keys"]  # no routine left
    assert said[3]["request"] == "LaunchRequest" and said[4]["request"] == "BedtimeTipIntent"


def test_nothing_matched_goes_to_the_fallback_intent_and_says_so():
    (_, missed) = turns(["purple elephants dancing"])
    assert missed["request"] == "AMAZON.FallbackIntent" and not missed["matched"]
    assert missed["notice"] == "chat.no_match" and missed["keys"][0].startswith("fallback.")
    plain = chat(["purple elephants dancing"], "--show-intent").stdout.decode().splitlines()
    assert f"[{phrase('chat.no_match')}]" in plain[1] and "AMAZON.FallbackIntent" in plain[1]


def test_bad_input_gets_a_calm_answer_one_line_each():
    lines = b"\n" + b"\x00\xff\xfe binary \x01\n" + b"x" * 20_000 + b"\n" + "\u00e9t\u00e9 \U0001F600\n".encode()
    done = chat(lines + b"my foot is cramping\n", "--json")
    assert done.returncode == 0
    said = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [turn["notice"] for turn in said[1:4]] == ["chat.empty", "chat.not_text", "chat.too_long"]
    assert said[4]["request"] == "AMAZON.FallbackIntent"  # odd but real text: sent, nothing matched
    assert said[5]["slots"] == {"muscle": "foot"}  # and the conversation goes on


def test_plain_output_is_one_answer_per_line_with_holds_marked():
    lines = ["guide me through a stretch", "next", "next"]
    out = chat(lines, "--at", "14:00").stdout.decode().splitlines()
    assert len(out) == len(lines) + 1
    assert any(f"[{phrase('chat.hold', seconds=20)}]" in line for line in out)
    assert not any("<" in line for line in out)  # no SSML


def test_bad_options_are_clear_errors():
    done = chat([], "--at", "25:99")
    assert done.returncode == 2 and b"HH:MM" in done.stderr
    done = chat([], "--locale", "xx-XX")
    assert done.returncode == 2 and b"xx-XX" in done.stderr
    assert b"--speak" in subprocess.run([CLI, "chat", "--help"], capture_output=True, timeout=60).stdout


def test_at_a_terminal_it_has_commands_and_a_prompt():
    main, child = pty.openpty()
    process = subprocess.Popen([CLI, "chat", "--at", "14:00"], stdin=child, stdout=child, stderr=child,
                               env={**os.environ, "CRAMP_COACH_STORE": "none", "TERM": "dumb"}, close_fds=True)
    os.close(child)
    seen = b""

    def until(text: str, timeout: float = 60) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while text.encode() not in seen.replace(b"\r\n", b"\n"):
            assert time.monotonic() < deadline, seen.decode(errors="replace")
            if select.select([main], [], [], 0.2)[0]:
                try:
                    seen += os.read(main, 65536)
                except OSError:
                    break
    try:
        until(phrase("chat.welcome"))
        until("> ")
        os.write(main, b"/intent\n")
        until(phrase("chat.intent_on"))
        os.write(main, b"my hamstring is cramping\n")
        until("CrampNowIntent muscle=hamstring")
        os.write(main, b"/quit\n")
        until(phrase("chat.goodbye"))
        assert process.wait(timeout=30) == 0
    finally:
        os.close(main)
        if process.poll() is None:
            process.kill()
            process.wait()


def test_speak_plays_each_answer_or_says_calmly_that_it_cannot(tmp_path):
    if shutil.which("ffplay") is None or shutil.which("espeak-ng") is None:
        pytest.fail("ffplay (ffmpeg) and espeak-ng are needed: apt-get install ffmpeg espeak-ng")
    played = chat(["stop"], "--speak", "--at", "14:00", env={"SDL_AUDIODRIVER": "dummy"}, timeout=180)
    assert played.returncode == 0 and len(played.stdout.splitlines()) == 2
    assert phrase("chat.no_player").encode() not in played.stderr
    # No sound device at all: the answers are still shown, with one calm line on stderr.
    silent = chat(["stop"], "--speak", env={"SDL_AUDIODRIVER": "alsa", "ALSA_CONFIG_PATH": str(tmp_path / "none")})
    assert silent.returncode == 0 and len(silent.stdout.splitlines()) == 2
    assert phrase("chat.no_player").encode() in silent.stderr
