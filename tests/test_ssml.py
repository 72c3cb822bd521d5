"""SSML: every string the content can produce passes ssml-check-core, and speech/ssml.py's pure
functions escape, split pauses and stay well-formed XML for any text."""

from __future__ import annotations

import functools
import itertools
import json
import random
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from xml.dom import expatbuilder, minidom
from xml.sax.saxutils import unescape

import pytest

import content
from speech import Speaker, ssml

E2E = Path(__file__).resolve().parent / "e2e"
CHECKER = E2E / "ssml-check.js"
INSTALL_HINT = "run `npm ci --prefix tests/e2e` first"
HOLD_SECONDS = range(1, 61)  # the schema allows holds of 0-60 s
BREAK = re.compile(r'<break time="(\d+)(s|ms)"/>')


def slot_values(loaded: content.Content) -> dict[str, tuple[str, ...]]:
    """Plausible values for every slot a phrase may take, as Speaker.say would fill them."""
    return {
        "muscle": tuple(loaded.muscles.values()),
        "topic": tuple(loaded.topics.values()),
        "seconds": ("20",),
        "step": ("3",),
        "total": ("5",),
        "time": ("10 p.m.",),
        "clock": ("9:30",),
        "emergency_number": (loaded.emergency_number,),
        # the local surfaces' own words (surfaces.yaml): read on a screen, valid SSML all the same
        "intent": ("CrampNowIntent",), "slots": (" muscle=calf",), "most": ("500",),
        "known": (", ".join(loaded.muscles),), "value": ("elbow",), "default": (loaded.locale,),
    }


def night(style: str, fragment: str) -> str | None:
    return {"whisper": ssml.whisper, "soft": ssml.soft}.get(style, lambda _: None)(fragment)


def rendered(locale: str) -> Iterator[tuple[str, str]]:
    """(where, SSML) for every phrase variant with every slot value, every routine step with its
    hold, and every hold length: all the SSML pieces the content can make in ``locale``."""
    loaded = content.load(locale)
    values = slot_values(loaded)
    for key, phrase in sorted(loaded.phrases.items()):
        names = sorted(phrase.slots)
        unknown = [name for name in names if name not in values]
        assert not unknown, f"{locale}:{key} takes slots {unknown}: add plausible values to slot_values()"
        variants = [f"say[{i}]" for i in range(len(phrase.say))] + [f"short[{i}]" for i in range(len(phrase.short))]
        for (i, variant), combo in itertools.product(zip(variants, phrase.say + phrase.short),
                                                      itertools.product(*(values[n] for n in names))):
            filled = dict(zip(names, combo))
            fragment = ssml.from_text(variant.format(**filled))
            where = f"{locale}:{key}.{i}" + (f" {filled}" if filled else "")
            yield where, ssml.speak(fragment)
            if (quiet := night(phrase.night, fragment)) is not None:
                yield f"{where} at night ({phrase.night})", ssml.speak(quiet)
    speaker = Speaker(loaded, random.Random(0))
    for muscle, routine in sorted(loaded.routines.items()):
        for number in range(1, len(routine.steps) + 1):
            yield f"{locale}:step {muscle} {number}", speaker.step(muscle, number).speak()
    for seconds in HOLD_SECONDS:
        yield f"{locale}:hold {seconds}s", speaker.hold(seconds).speak()
    for tip in loaded.tips:
        if tip.bedtime:
            yield f"{locale}:bedtime track {tip.id}", speaker.bedtime_track(tip.id).speak()
    for key in ("doctor.emergency", "triage.chest_pain"):  # the number said through <sub>, as the market says it
        yield f"{locale}:{key} as spoken", speaker.say(key, 0).speak(night=True)
    mixed = speaker.say("launch.offer") + speaker.say("relief.calf") + speaker.step("calf", 2)
    yield f"{locale}:a mixed utterance at night", mixed.speak(night=True)


def parse(spoken: str):
    """The SSML as a DOM. Alexa's ``amazon:`` tags use a prefix SSML never declares, so this
    parser does not process namespaces (minidom.parseString would reject them as unbound)."""
    return expatbuilder.parseString(spoken, namespaces=False)


@functools.cache
def all_rendered() -> dict[str, list[tuple[str, str]]]:
    return {locale: list(rendered(locale)) for locale in content.locales()}


def node_checker() -> list[str]:
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"node is not on PATH: the SSML checker needs Node 20+ ({INSTALL_HINT})")
    if not (E2E / "node_modules" / "ssml-check-core").is_dir():
        pytest.fail(f"tests/e2e/node_modules is missing: {INSTALL_HINT}")
    return [node, str(CHECKER)]


@pytest.fixture(scope="module")
def ssml_check_results() -> dict[str, list[dict]]:
    """ssml-check-core's verdict on every rendered string, one node process per locale."""
    command = node_checker()
    results = {}
    for locale, pieces in all_rendered().items():
        done = subprocess.run([*command, "--locale", locale], input=json.dumps([s for _, s in pieces]),
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, f"ssml-check.js exited {done.returncode}: {done.stderr}"
        results[locale] = json.loads(done.stdout)
    return results


def test_every_content_ssml_passes_ssml_check_core(ssml_check_results):
    ALL = all_rendered()
    total = sum(len(pieces) for pieces in ALL.values())
    problems = [f"{ALL[locale][bad['index']][0]}: {bad['errors']}\n    {ALL[locale][bad['index']][1]}"
                for locale, invalid in ssml_check_results.items() for bad in invalid]
    summary = f"ssml-check-core checked {total} SSML strings in {', '.join(ALL)}"
    print(summary)
    assert not problems, f"{summary}; {len(problems)} invalid:\n" + "\n".join(problems)
    assert total > 100, summary


@pytest.mark.parametrize("locale", content.locales())
def test_every_content_ssml_is_well_formed_with_short_breaks(locale):
    for where, spoken in all_rendered()[locale]:
        parse(spoken)  # raises with the position on bad XML
        for amount, unit in BREAK.findall(spoken):
            assert int(amount) / (1000 if unit == "ms" else 1) <= ssml.MAX_BREAK_SECONDS, where
        assert "[pause" not in spoken, f"{where}: a pause mark was not turned into a break"


def test_every_variant_is_rendered():
    for locale, pieces in all_rendered().items():
        loaded = content.load(locale)
        wanted = {f"{locale}:{key}.{field}[{i}]" for key, phrase in loaded.phrases.items()
                  for field in ("say", "short") for i in range(len(getattr(phrase, field)))}
        assert wanted <= {where.split(" ")[0] for where, _ in pieces}


# --- speech/ssml.py ---------------------------------------------------------------------------


def text_of(spoken: str) -> str:
    """The text Alexa would read from a <speak> document (tags dropped, entities decoded)."""
    def walk(node):
        return node.data if node.nodeType == node.TEXT_NODE else "".join(walk(c) for c in node.childNodes)

    return walk(parse(spoken).documentElement)


def test_escape_xml_specials():
    assert ssml.escape("Tom & Jerry <3 > 2") == "Tom &amp; Jerry &lt;3 &gt; 2"
    assert ssml.escape("&amp;") == "&amp;amp;"  # text is text, even when it looks like an entity


@pytest.mark.parametrize("text", ['say "stop"', "it's", "\"'&<>'\"", "5 > 3 & 2 < 4"])
def test_escaped_text_with_quotes_reads_back_unchanged(text):
    assert text_of(ssml.speak(ssml.escape(text))) == text


def test_escape_drops_characters_xml_cannot_carry():
    assert ssml.escape("a\x00b\x01c\ufffed\ud800e") == "abcde"
    assert ssml.escape("tab\there\nnew\rline 😀 é") == "tab\there\nnew\rline 😀 é"


@pytest.mark.parametrize("seconds,expected", [
    (25, '<break time="10s"/><break time="10s"/><break time="5s"/>'),
    (10, '<break time="10s"/>'),
    (30, '<break time="10s"/>' * 3),
    (2, '<break time="2s"/>'),
    (0.5, '<break time="500ms"/>'),
    (1.25, '<break time="1250ms"/>'),
    (10.5, '<break time="10s"/><break time="500ms"/>'),
    (0.001, '<break time="1ms"/>'),
])
def test_pause_splits_into_breaks_of_at_most_10_seconds(seconds, expected):
    assert ssml.pause(seconds) == expected


@pytest.mark.parametrize("seconds", [0, -1, 0.0001])
def test_no_pause_is_no_break(seconds):
    assert ssml.pause(seconds) == ""


@pytest.mark.parametrize("text,expected", [
    ("Hold. [pause 2s] Release.", 'Hold. <break time="2s"/> Release.'),
    ("Breathe [pause 500ms] out", 'Breathe <break time="500ms"/> out'),
    ("Rest [pause 1.5s] now", 'Rest <break time="1500ms"/> now'),
    ("[pause 25s]", '<break time="10s"/><break time="10s"/><break time="5s"/>'),
    ("A & B [pause 1s] <C>", 'A &amp; B <break time="1s"/> &lt;C&gt;'),
    ("  lots \n\n of   space  ", "lots of space"),
    ("[pause 2] is not a mark", "[pause 2] is not a mark"),
])
def test_from_text_turns_pause_marks_into_breaks(text, expected):
    assert ssml.from_text(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("Hold. [pause 2s] Release.", "Hold. Release."),
    ("A&B [pause 500ms]", "A&B"),
    ("[pause 1s]Start[pause 1.5s]end", "Start end"),
])
def test_plain_drops_pause_marks_and_escapes_nothing(text, expected):
    assert ssml.plain(text) == expected


def test_wrappers_are_well_formed():
    inner = ssml.from_text("Shh & rest [pause 1s] now")
    for spoken in (ssml.speak(ssml.whisper(inner)), ssml.speak(ssml.soft(inner)),
                   ssml.speak(ssml.audio('https://example.com/a.mp3?x=1&y="2"'))):
        parse(spoken)
    audio = parse(ssml.speak(ssml.audio('https://example.com/a.mp3?x=1&y="2"')))
    assert audio.getElementsByTagName("audio")[0].getAttribute("src") == 'https://example.com/a.mp3?x=1&y="2"'


hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies

MARKS = st.builds(lambda n, unit: f"[pause {n}{unit}]",
                  st.one_of(st.integers(0, 30), st.decimals(0, 30, places=2).map(str)), st.sampled_from(["s", "ms"]))
# Any text, with real pause marks and the characters SSML cares about mixed in.
TEXT = st.lists(st.one_of(st.text(), MARKS, st.sampled_from(["&", "<", ">", '"', "'", "&amp;", "]", "[pause"])),
                max_size=12).map("".join)


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(TEXT)
def test_any_text_becomes_well_formed_ssml(text):
    spoken = ssml.speak(ssml.from_text(text))
    document = minidom.parseString(spoken.encode("utf-8"))  # raises on anything not well-formed
    assert document.documentElement.tagName == "speak"
    for amount, unit in BREAK.findall(spoken):
        assert 0 < int(amount) / (1000 if unit == "ms" else 1) <= ssml.MAX_BREAK_SECONDS
    # Nothing lost or invented: Alexa reads the plain text's words (less what XML cannot carry).
    def words(said: str) -> str:
        return "".join(said.split())

    assert words(text_of(spoken)) == words(unescape(ssml.escape(ssml.plain(text))))
