"""Every handler through skill.invoke (no HTTP), checked by content keys and slots, not prose."""

from __future__ import annotations

import json

import pytest

import content
from skill.invoke import BadEnvelope, SkillIdMismatch, respond
from tests import fixtures
from tests.envelopes import Unknown, can_fulfill, intent, keys, load, speech

CONVERSATIONS = sorted(fixtures.CONVERSATIONS.glob("*.json"))


def _slots(raw: dict) -> dict:
    return {k: Unknown(v["unknown"]) if isinstance(v, dict) else v for k, v in raw.items()}


@pytest.mark.parametrize("path", CONVERSATIONS, ids=[p.stem for p in CONVERSATIONS])
def test_conversation(talk, path):
    for number, turn in enumerate(json.loads(path.read_text())["turns"], 1):
        if turn.get("launch"):
            talk.launch()
        else:
            talk.say(turn["intent"], **_slots(turn.get("slots", {})))
        expect, said = turn["expect"], talk.keys
        where = f"{path.name} turn {number}: said {said}"
        if "keys" in expect:
            assert said == expect["keys"], where
        if "first" in expect:
            assert said[0] == expect["first"], where
        for key in expect.get("has", []):
            assert key in said, where
        assert talk.ended == expect["end"], where
        assert speech(talk.last).startswith("<speak>") and speech(talk.last).endswith("</speak>")


@pytest.mark.parametrize("muscle", ["calf", "hamstring", "thigh", "foot", "shin"])
def test_cramp_now_names_the_muscle_and_shows_a_card(talk, muscle):
    response = talk.say("CrampNowIntent", muscle=muscle)
    assert talk.keys == [f"relief.{muscle}", "relief.offer_stretch"]
    card = response["response"]["card"]
    assert card["type"] == "Simple" and card["content"] and "[pause" not in card["content"]


def test_cramp_now_without_muscle_is_the_calf(talk):
    talk.say("CrampNowIntent", muscle=None)
    assert talk.keys[0] == "relief.calf"


def test_guided_stretch_without_muscle_starts_calf_at_once(talk):
    talk.say("GuidedStretchIntent")
    assert talk.keys[:3] == ["stretch.intro_default", "stretch.clot_cue", "routine.calf.1"]
    assert talk.attributes["routine"]["muscle"] == "calf"


def test_guided_stretch_unknown_muscle_falls_back_to_calf(talk):
    talk.say("GuidedStretchIntent", muscle=Unknown("earlobe"))
    assert talk.keys[:3] == ["stretch.unknown_muscle", "stretch.clot_cue", "routine.calf.1"]


def _finish_round(talk, muscle):
    steps = len(content.load().routines[muscle].steps)
    for number in range(2, steps + 1):
        talk.say("AMAZON.NextIntent")
        assert talk.keys[0] == f"routine.{muscle}.{number}"
    assert talk.keys[-1] == "stretch.done_check" and not talk.ended


@pytest.mark.parametrize("muscle", ["calf", "hamstring", "thigh", "foot", "shin"])
def test_full_routine_holds_are_counted(talk, muscle):
    talk.say("GuidedStretchIntent", muscle=muscle)
    held = []
    for number in range(1, len(content.load().routines[muscle].steps) + 1):
        if number > 1:
            talk.say("AMAZON.NextIntent")
        held.append("stretch.hold" in talk.keys)
        ssml = speech(talk.last)
        assert '<break time="1' not in ssml.replace('<break time="10s"/>', "")  # no break over 10 s
    assert held == [s.hold > 0 for s in content.load().routines[muscle].steps]
    assert talk.keys[-1] == "stretch.done_check"


def test_not_easing_gives_one_more_round_then_medical_advice(talk):
    talk.say("GuidedStretchIntent", muscle="calf")
    _finish_round(talk, "calf")
    talk.say("AMAZON.NoIntent")
    assert talk.keys[:2] == ["stretch.another_round", "routine.calf.1"]
    assert talk.attributes["routine"]["round"] == 2
    _finish_round(talk, "calf")
    talk.say("AMAZON.NoIntent")
    assert talk.keys == ["stretch.not_easing"] and talk.ended


def test_easing_offers_a_tip(talk):
    talk.say("GuidedStretchIntent", muscle="shin")
    _finish_round(talk, "shin")
    talk.say("AMAZON.NextIntent")  # "next" after the last step asks again
    assert talk.keys == ["stretch.done_check"]
    talk.say("AMAZON.YesIntent")
    assert talk.keys == ["stretch.easing_yes", "aftercare.general", "tip.offer"]
    talk.say("AMAZON.YesIntent")
    assert talk.keys[0] == "tip.intro" and talk.keys[1].startswith("tip.")


def test_tips_do_not_repeat_until_all_heard(talk):
    total = len(content.load().tips)
    heard = []
    for _ in range(total):
        talk.say("PreventionTipIntent")
        heard.append(talk.keys[1])
    assert len(set(heard)) == total
    talk.say("PreventionTipIntent")
    assert talk.keys[1] != heard[-1]


def test_unknown_topic_still_gives_a_tip(talk):
    talk.say("PreventionTipIntent", topic=Unknown("knitting"))
    assert talk.keys[0] == "tip.unknown_topic" and talk.keys[1].startswith("tip.")


@pytest.mark.parametrize("topic", ["hydration", "food", "stretching", "exercise", "sleep_setup", "bedtime"])
def test_topic_tips_come_from_the_topic(talk, topic):
    talk.say("PreventionTipIntent", topic=topic)
    tip_id = talk.keys[1].removeprefix("tip.")
    assert topic in content.load().tip(tip_id).topics


def test_bedtime_tip_is_a_bedtime_tip_and_ends(talk):
    talk.say("BedtimeTipIntent")  # the first one offers the nightly reminder, once
    assert talk.keys[0] == "bedtime.intro" and talk.keys[-1] == "reminder.offer" and not talk.ended
    talk.say("BedtimeTipIntent")
    assert talk.keys[0] == "bedtime.intro" and talk.keys[-1] == "bedtime.close" and talk.ended
    assert content.load().tip(talk.keys[1].removeprefix("tip.")).bedtime


@pytest.mark.parametrize("symptom", sorted(content.load().triage))
def test_every_symptom_is_triaged(talk, symptom):
    talk.say("SymptomCheckIntent", symptom=symptom)
    assert talk.keys == [f"triage.{symptom}"] and talk.ended


def test_unknown_symptom_gets_see_a_doctor_advice(talk):
    talk.say("SymptomCheckIntent", symptom=Unknown("glowing toes"))
    assert talk.keys == ["triage.unknown"]


def test_see_doctor_says_the_emergency_part_first_then_more_on_request(talk):
    talk.say("SeeDoctorIntent")
    assert talk.keys == ["doctor.emergency", "more.offer"] and not talk.ended
    talk.say("AMAZON.YesIntent")
    assert talk.keys == ["doctor.urgent", "more.offer"] and not talk.ended
    talk.say("AMAZON.YesIntent")
    assert talk.keys == ["doctor.routine"] and talk.ended


def test_no_more_after_the_emergency_part_says_goodbye(talk):
    talk.say("SeeDoctorIntent")
    talk.say("AMAZON.NoIntent")
    assert talk.keys == ["goodbye.main"] and talk.ended


@pytest.mark.parametrize("name", ["AMAZON.StopIntent", "AMAZON.CancelIntent"])
def test_stop_and_cancel_end_even_mid_routine(talk, name):
    talk.say("GuidedStretchIntent", muscle="calf")
    talk.say(name)
    assert talk.keys == ["goodbye.main"] and talk.ended


@pytest.mark.parametrize("path", [fixtures.SESSION_ENDED, fixtures.EXCEPTION_ENCOUNTERED])
def test_silent_requests_get_no_speech(skill, path):
    response = respond(skill, load(path))
    assert "outputSpeech" not in response["response"]


def test_unknown_request_type_is_answered_empty(skill):
    envelope = load(fixtures.LAUNCH)
    envelope["request"]["type"] = "Alexa.Presentation.HTML.Message"
    assert "outputSpeech" not in respond(skill, envelope)["response"]


def test_repeat_says_the_last_thing_again(talk):
    talk.say("CausesIntent")
    first = speech(talk.last)
    talk.say("AMAZON.RepeatIntent")
    assert speech(talk.last) == first and not talk.ended


def test_handler_failure_is_an_apology_not_an_error(talk):
    # A routine for a muscle with no content makes the stretch handler raise.
    talk.attributes = {"routine": {"muscle": "elbow", "step": 1, "round": 1, "paused": False}}
    talk.say("AMAZON.NextIntent")
    assert talk.keys == ["error.main"] and not talk.ended


@pytest.mark.parametrize("name,slots,verdict", [
    ("CrampNowIntent", {"muscle": "calf"}, "YES"),
    ("CrampNowIntent", {}, "YES"),
    ("PreventionTipIntent", {"topic": "food"}, "YES"),
    ("SymptomCheckIntent", {"symptom": "chest_pain"}, "YES"),
    ("CrampNowIntent", {"muscle": Unknown("elbow")}, "NO"),
    ("CrampNowIntent", {"colour": "blue"}, "NO"),
    ("OrderPizzaIntent", {}, "NO"),
    ("AMAZON.HelpIntent", {}, "NO"),
])
def test_can_fulfill(skill, name, slots, verdict):
    response = respond(skill, can_fulfill(name, **slots))
    answer = response["response"]["canFulfillIntent"]
    assert answer["canFulfill"] == verdict
    for slot_name in slots:
        assert answer["slots"][slot_name]["canUnderstand"] == verdict
    assert "outputSpeech" not in response["response"]
    assert not response.get("sessionAttributes")


def test_skill_id_mismatch_is_refused(skill):
    envelope = intent("AMAZON.HelpIntent")
    envelope["context"]["System"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
    with pytest.raises(SkillIdMismatch):
        respond(skill, envelope)


def test_unreadable_envelope_is_bad(skill):
    envelope = intent("AMAZON.HelpIntent")
    envelope["request"]["timestamp"] = {"not": "a date"}
    with pytest.raises(BadEnvelope):
        respond(skill, envelope)


def test_unknown_properties_are_accepted(skill):
    envelope = intent("AMAZON.HelpIntent")
    envelope["request"]["somethingNew"] = [1, 2, 3]
    envelope["context"]["NewInterface"] = {"x": 1}
    assert keys(respond(skill, envelope)) == ["help.main"]


def test_first_sentence_of_launch_is_the_action(skill):
    response = respond(skill, load(fixtures.LAUNCH))
    assert keys(response)[0] == "relief.calf"
    assert speech(response).startswith("<speak>")


def test_fast_serializer_reads_envelopes_exactly_like_the_sdk(skill):
    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model import RequestEnvelope

    for envelope in (load(fixtures.LAUNCH), intent("CrampNowIntent", muscle="calf"), load(fixtures.SESSION_ENDED)):
        for stamp in ("2026-11-24T03:00:00Z", "2026-11-24T03:00:00.123+01:00", "Nov 24 2026 3am"):
            envelope["request"]["timestamp"] = stamp
            text = json.dumps(envelope)
            ours = skill.serializer.deserialize(text, RequestEnvelope)
            sdk = DefaultSerializer().deserialize(text, RequestEnvelope)
            assert ours.to_dict() == sdk.to_dict() and ours.request.timestamp == sdk.request.timestamp
