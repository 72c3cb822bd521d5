"""AudioSSML: utterances as <audio> clips from the pack, within Alexa's limits, else None."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

import content
from speech import Speaker
from speech.audio.build import plan_for
from speech.audio.manifest import Clip, Manifest, script_sha
from speech.audio.ssml import AudioSSML, Budget
from speech.catalog import Piece, Utterance

BASE = "https://audio.example.com/pack"


def clip(name: str, seconds: float) -> Clip:
    return Clip(f"{name}.mp3", seconds, name, "gtts", script_sha(name))


def said(*clips: str, night: str = "soft") -> Utterance:
    pieces = tuple(Piece(f"text of {c}", f"text of {c}", c, c, night) for c in clips)
    return Utterance(pieces, " ".join(clips), tuple(clips))


def pause(seconds: int) -> Utterance:
    return Utterance((Piece(f'<break time="{seconds}s"/>', f"[pause {seconds}s]", None, night="normal"),), "", ())


@pytest.fixture
def audio() -> AudioSSML:
    seconds = {"short": 4.0, "long": 100.0, "medium": 60.0, **{f"c{i}": 2.0 for i in range(8)}}
    manifest = Manifest({"en-US": {name: clip(f"h{name}", s) for name, s in seconds.items()}})
    return AudioSSML(manifest, "en-US", BASE + "/")


def audio_urls(document: str) -> list[str]:
    return [node.get("src") for node in ET.fromstring(document).iter("audio")]


def spoken(audio: AudioSSML, utterance: Utterance) -> str | None:
    """The utterance alone as a <speak> document of clips, or None (text)."""
    fragment = audio.response(utterance)[0]
    return None if fragment is None else f"<speak>{fragment}</speak>"


def both(audio: AudioSSML, speech: Utterance, reprompt: Utterance) -> tuple[str | None, str | None]:
    return tuple(None if f is None else f"<speak>{f}</speak>" for f in audio.response(speech, reprompt))


def test_each_spoken_piece_becomes_its_clip_and_pauses_stay_breaks(audio):
    document = spoken(audio, said("short") + pause(5) + said("c1"))

    root = ET.fromstring(document)  # well-formed
    assert root.tag == "speak"
    assert audio_urls(document) == [f"{BASE}/hshort.mp3", f"{BASE}/hc1.mp3"]
    assert [node.tag for node in root] == ["audio", "break", "audio"]
    assert root.find("break").get("time") == "5s"


def test_a_piece_without_a_clip_means_text_and_leaves_the_budget_alone(audio):
    budget = Budget()
    assert audio.fragment(said("short", "not-built"), budget) is None
    assert budget == Budget()
    assert spoken(audio, pause(3)) is None, "nothing to play: the text path says it as well"


def test_at_most_five_clips_per_response(audio):
    assert len(audio_urls(spoken(audio, said(*(f"c{i}" for i in range(5)))))) == 5
    assert spoken(audio, said(*(f"c{i}" for i in range(6)))) is None


def test_speech_and_reprompt_share_one_budget(audio):
    speech, reprompt = both(audio, said("c0", "c1", "c2"), said("c3", "c4"))
    assert len(audio_urls(speech)) == 3 and len(audio_urls(reprompt)) == 2

    speech, reprompt = both(audio, said("c0", "c1", "c2"), said("c3", "c4", "c5"))
    assert speech is not None and reprompt is None, "six clips in all: the reprompt is spoken as text"

    speech, reprompt = both(audio, said("long", "long"), said("medium"))
    assert speech is not None and reprompt is None, "260 s of audio in all is over 240 s"

    assert spoken(audio, said("long")) is not None
    assert both(audio, said("short"), said("long"))[1] is None, "a reprompt holds at most 90 s"
    assert both(audio, said("short"), said("medium"))[1] is not None


def test_only_https_bases(audio):
    with pytest.raises(ValueError, match="https"):
        AudioSSML(audio.manifest, "en-US", "http://audio.example.com")


def test_real_utterances_find_their_clips():
    speaker = Speaker(content.load("en-US"))
    plan = plan_for("en-US")
    manifest = Manifest({"en-US": {clip_id: clip(f"f{n:04d}", 3.0) for n, clip_id in enumerate(plan)}})
    audio = AudioSSML(manifest, "en-US", BASE)

    step = speaker.step("calf", 2)
    assert audio_urls(spoken(audio, step)) == [f"{BASE}/{manifest.clip('en-US', 'guided.calf.2').file}"]
    relief = speaker.say("relief.calf", 0) + speaker.pause(2) + speaker.say("relief.offer_stretch", 1, muscle="calf")
    document = spoken(audio, relief)
    assert len(audio_urls(document)) == 2 and '<break time="2s"/>' in document
    ET.fromstring(document)
