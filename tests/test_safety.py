"""The safety delivery rules (CONTENT.md): emergency and urgent answers never quiet, the urgent
line first, answers short enough to take in, red flags answered mid-routine, and the review tool."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import pytest

import content
from content import rules
from content.schema import LOUD
from skill import cli
from speech import Piece, Speaker, Utterance, ssml
from tests.envelopes import speech

QUIET = ("<amazon:effect", "<prosody")
LOCALES = content.locales()


def _variants(loaded):
    for key, phrase in loaded.phrases.items():
        for i, text in enumerate(phrase.say):
            yield key, i, text


# --- delivery: never whispered, never soft, never slowed ----------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_every_emergency_and_urgent_variant_is_said_at_normal_volume_at_night(locale):
    loaded = content.load(locale)
    say = Speaker(loaded)
    loud = [k for k, p in loaded.phrases.items() if p.loud]
    assert {"triage.chest_pain", "triage.breathlessness", "doctor.emergency", "triage.swelling"} <= set(loud)
    for key in loud:
        phrase = loaded.phrases[key]
        for variant in range(len(phrase.say)):
            slots = {name: "calf" for name in phrase.slots - {"emergency_number"}}
            quiet_lead = say.say("tip.intro")  # a soft piece before it: the whole answer is loud
            night = (quiet_lead + say.say(key, variant, **slots)).fragment(night=True)
            assert not any(tag in night for tag in QUIET), (key, variant, night)


def test_speech_refuses_to_make_a_loud_piece_quiet():
    with pytest.raises(ValueError):
        Piece("<s/>", "", key="triage.chest_pain", night="whisper", loud=True)
    with pytest.raises(ValueError):
        Piece("<s/>", "", key="triage.chest_pain", night="normal", short="Call.", loud=True)
    calm = Utterance((Piece("Rest.", "Rest.", key="tip.x", night="whisper"),), "Rest.", ("tip.x",))
    assert calm.fragment(night=True) == ssml.whisper("Rest.")  # the quiet voice still works for the rest


# --- the urgent line first; lengths -------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_shipped_content_keeps_every_length_and_order_rule(locale):
    loaded = content.load(locale)
    found = [(key, i, problem) for key, i, text in _variants(loaded) if not key.startswith("routine.")
             for problem in rules.problems(text, loaded.phrases[key].urgency, number=loaded.emergency_spoken)]
    found += [(muscle, i, problem) for muscle, routine in loaded.routines.items()
              for i, step in enumerate(routine.steps)
              for problem in rules.problems(step.say, "routine", step.hold, loaded.emergency_spoken)]
    assert found == []
    longest = max(rules.seconds(t) for k, _, t in _variants(loaded) if not k.startswith("routine."))
    assert longest <= rules.MAX_ANSWER_SECONDS


@pytest.mark.parametrize("locale", LOCALES)
def test_every_answer_that_says_the_emergency_number_says_it_in_the_first_sentence(locale):
    loaded = content.load(locale)
    saying = [(k, t) for k, _, t in _variants(loaded) if rules.EMERGENCY_SLOT in t]
    assert len(saying) >= 10
    for key, text in saying:
        assert rules.EMERGENCY_SLOT in rules.sentences(text)[0], key
        assert rules.emergency_words(text) <= rules.EMERGENCY_WITHIN_WORDS, key
        assert loaded.phrases[key].urgency in LOUD, key
    for key, phrase in loaded.phrases.items():
        if phrase.urgency == "emergency":
            assert all(rules.EMERGENCY_SLOT in t for t in phrase.say), key


@pytest.mark.parametrize("symptom", sorted(content.load().triage))
def test_a_triage_response_says_the_emergency_number_first_if_at_all(talk, symptom):
    talk.say("SymptomCheckIntent", symptom=symptom)
    number = content.load().emergency_number
    said = ssml.plain(re.sub(r"<[^>]+>", " ", speech(talk.last)))
    if number in said:
        assert number in rules.sentences(said)[0], said
        assert content.load().phrase(f"triage.{symptom}").loud


def test_the_bedtime_track_is_about_two_minutes():
    say = Speaker(content.load())
    for tip in content.load().tips:
        if tip.bedtime:
            (piece,) = say.bedtime_track(tip.id).pieces
            assert 100 <= rules.seconds(piece.script) <= 140, (tip.id, rules.seconds(piece.script))


# --- what the brief says, in each language's words -----------------------------------------------


@dataclass(frozen=True)
class Words:
    """The words the brief's rules are checked by, in one language."""

    # Imperative verbs of the relief moves and routine steps. A verb counts as an instruction where
    # it opens a clause: at the start, or after an opener, a comma or a colon.
    instructions: frozenset[str]
    openers: frozenset[str]
    front: tuple[str, ...]  # the front of the thigh
    back: tuple[str, ...]  # the back of the thigh, the hamstring
    ten_minutes: tuple[str, ...]
    urgent: str


WORDS = {
    "en": Words(
        instructions=frozenset("""bend breathe bring circle curl draw ease flex go hold knead lean let lie lift loop
            lower massage move point press pull put reach relax rub sit stand steady stay straighten stretch take use
            walk wiggle keep""".split()),
        openers=frozenset({"and", "then", "now", "gently", "slowly", "also"}),
        front=("front",), back=("back of", "behind the thigh", "hamstring"), ten_minutes=("10 minutes",),
        urgent="urgent"),
    "es": Words(
        instructions=frozenset("""acuéstate agarra apoya baja camina dobla endereza estira flexiona frota inclínate
            jala lleva levanta masajea mantén mueve pon ponte presiona recuéstate relaja respira siéntate sigue
            sostén suelta toma usa párate quédate busca llama deja descansa""".split()),
        openers=frozenset({"y", "luego", "después", "ahora", "despacio", "suavemente", "también"}),
        front=("frente", "delante", "adelante", "frontal"), back=("atrás", "detrás", "isquiotibiales", "posterior"),
        ten_minutes=("10 minutos", "diez minutos"), urgent="urgente"),
}
EACH = [pytest.param(locale, WORDS[locale[:2]], id=locale) for locale in LOCALES]


def _instructions(sentence: str, words: Words = WORDS["en"]) -> list[str]:
    found_words = re.findall(r"[\w']+|[,:]", sentence.lower())
    found = []
    for i, word in enumerate(found_words):
        if word in words.instructions and (i == 0 or found_words[i - 1] in words.openers or found_words[i - 1] in ",:"):
            found.append(word)
    return found


@pytest.mark.parametrize(("locale", "words"), EACH)
def test_one_instruction_per_sentence_in_relief_and_routine_steps(locale, words):
    loaded = content.load(locale)
    texts = [(k, t) for k, _, t in _variants(loaded) if k.startswith(("relief.", "routine."))
             and loaded.phrases[k].urgency != "info"]
    assert len(texts) > 40
    crowded = [(k, s, found) for k, t in texts for s in rules.sentences(t) if len(found := _instructions(s, words)) > 1]
    assert crowded == []
    assert sum(bool(_instructions(s, words)) for _, t in texts for s in rules.sentences(t)) > 40  # the check sees verbs
    assert _instructions("Straighten your leg and pull your toes up.") == ["straighten", "pull"]  # the check works


@pytest.mark.parametrize(("locale", "words"), EACH)
def test_a_plain_thigh_names_the_front_first_and_gives_the_back_of_thigh_move(locale, words):
    loaded = content.load(locale)
    for text in loaded.phrases["relief.thigh"].say:
        first = rules.sentences(text)[0].lower()
        assert any(w in first for w in words.front), text
        assert any(w in text.lower() for w in words.back), text
    step = loaded.routines["thigh"].steps[0].say.lower()
    assert any(w in step for w in words.front) and any(w in step for w in words.back), step


@pytest.mark.parametrize(("locale", "words"), EACH)
def test_a_cramp_over_ten_minutes_is_urgent_everywhere(locale, words):
    loaded = content.load(locale)
    mentions = [(k, t) for k, _, t in _variants(loaded) if any(w in t.lower() for w in words.ten_minutes)]
    assert len(mentions) >= 4
    for key, text in mentions:
        assert words.urgent in text.lower(), key


@pytest.mark.parametrize("locale", LOCALES)
def test_sudden_weakness_and_a_dirty_wound_are_red_flags(locale):
    triage = content.load(locale).triage
    assert triage["sudden_weakness"].level == "emergency"
    assert triage["wound"].level == "urgent"
    for gradual in ("numbness", "weakness"):  # the sudden case comes first, as an emergency
        assert rules.emergency_words(triage[gradual].say[0]) is not None


@pytest.mark.parametrize(("locale", "words"), EACH)
def test_unhappy_paths_start_with_what_to_do(locale, words):
    loaded = content.load(locale)
    for key in ("stretch.not_easing", "triage.long_cramp"):
        for text in loaded.phrases[key].say:
            assert _instructions(rules.sentences(text)[0], words), (key, text)


@pytest.mark.parametrize("locale", LOCALES)
def test_medicine_tips_are_not_food_tips(locale):
    loaded = content.load(locale)
    for tip_id in ("no-quinine", "check-your-medicines", "ask-before-supplements"):
        assert loaded.tip(tip_id).topics == ("medicines",), tip_id
    assert loaded.tip("food-before-supplements").topics == ("food",)


# --- a red flag mid-routine ---------------------------------------------------------------------


def _mid_routine(talk, muscle="calf"):
    talk.say("GuidedStretchIntent", muscle=muscle)
    talk.say("AMAZON.NextIntent")
    assert talk.attributes["routine"]["step"] == 2


@pytest.mark.parametrize("symptom", sorted(content.load().triage))
def test_a_symptom_said_mid_routine_is_answered_at_once(talk, symptom):
    _mid_routine(talk)
    talk.say("SymptomCheckIntent", symptom=symptom)
    assert talk.keys[0] == f"triage.{symptom}"
    if content.load().phrase(f"triage.{symptom}").loud:  # a clot or emergency sign: stop, for good
        assert talk.keys == [f"triage.{symptom}"] and talk.ended
        assert not talk.attributes.get("routine")
    else:
        assert talk.keys == [f"triage.{symptom}", "stretch.carry_on"] and not talk.ended
        talk.say("AMAZON.YesIntent")
        assert talk.keys[:2] == ["stretch.resume", "routine.calf.2"]


def test_no_to_carrying_on_after_a_symptom_ends_without_a_resume_offer_later(talk):
    _mid_routine(talk, "foot")
    talk.say("SymptomCheckIntent", symptom="soreness")
    talk.say("AMAZON.NoIntent")
    assert talk.keys == ["goodbye.main"] and talk.ended
    talk.say("GuidedStretchIntent")
    assert talk.keys[0] == "stretch.intro_default"


# --- the review tool ----------------------------------------------------------------------------


def test_review_lists_every_key_and_variant_with_its_delivery(capsys):
    assert cli.main(["check", "--review", "--format", "csv", "--locale", "en-US"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    loaded = content.load("en-US")
    assert len(table) == sum(len(p.say) + len(p.short) for p in loaded.phrases.values())
    assert {row["key"] for row in table} == set(loaded.phrases)
    for row in table:
        phrase = loaded.phrases[row["key"]]
        assert row["urgency"] == phrase.urgency
        if phrase.loud:
            assert row["night"] == "normal" and row["day"] == "normal"
        assert float(row["seconds"]) > 0 and int(row["words"]) > 0
        assert row["sources"].split() == list(phrase.sources)
        assert "{emergency_number}" not in row["text"]


def test_review_as_text_and_its_errors(capsys):
    assert cli.main(["check", "--review"]) == 0
    text = capsys.readouterr().out
    assert "triage.chest_pain  [emergency]" in text and "references:" in text
    assert cli.main(["check", "--review", "--locale", "tlh-KL"]) == 2
    assert "tlh-KL" in capsys.readouterr().err
    assert cli.main(["check", "--format", "csv"]) == 2
