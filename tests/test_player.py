"""Bedtime tracks on AudioPlayer through skill.invoke: the Play directive, the spoken fallbacks,
playback events, media buttons, and pause/resume/stop said while a track of ours is held."""

from __future__ import annotations

import logging
import random

import pytest

from skill.builder import build_skill
from skill.invoke import respond
from skill.config import Settings
from skill.handlers.player import Track
from tests import fixtures
from tests.audio_pack import bedtime_pack, bedtime_tips, write_pack
from tests.envelopes import audio_request, intent, keys, load, with_player

BASE = "https://audio.example.test/pack"
TIPS = bedtime_tips()


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pack")
    return directory, bedtime_pack(directory, seconds=1.0)["locales"]["en-US"]["clips"]


def make_skill(**settings):
    # store none: tips heard stay in the session, nothing reaches the user's own data directory
    return build_skill(Settings(skill_id=fixtures.SKILL_ID, verify=False, store="none", **settings),
                       rng=random.Random(7))


@pytest.fixture(scope="module")
def audio_skill(pack):
    return make_skill(audio_base_url=BASE, audio_dir=pack[0])


def token(tip: str) -> str:
    return Track("en-US", tip).token


def url(pack, tip: str) -> str:
    return f"{BASE}/{pack[1][f'track.bedtime.{tip}']['file']}"


def directives(response: dict) -> list[dict]:
    return response["response"].get("directives", [])


def play_of(response: dict) -> dict:
    (directive,) = directives(response)
    assert directive["type"] == "AudioPlayer.Play" and directive["playBehavior"] == "REPLACE_ALL"
    return directive["audioItem"]["stream"]


def assert_silent(response: dict):
    """What AudioPlayer and PlaybackController requests allow: directives at most."""
    assert set(response["response"]) <= {"directives"}, response
    assert "sessionAttributes" not in response or not response["sessionAttributes"].get("last")


def bedtime(skill, **player) -> dict:
    return respond(skill, with_player(intent("BedtimeTipIntent"), **player))


# --- BedtimeTipIntent ----------------------------------------------------------------------


def test_bedtime_plays_the_track_of_the_chosen_tip(audio_skill, pack):
    response = bedtime(audio_skill)
    tip = response["sessionAttributes"]["tips_heard"][-1]
    stream = play_of(response)
    assert stream == {"token": token(tip), "url": url(pack, tip), "offsetInMilliseconds": 0}
    assert stream["url"].startswith("https://")
    assert keys(response) == ["bedtime.track_intro"]
    assert response["response"]["shouldEndSession"] is True
    assert response["response"]["card"]["content"]  # the tip, for devices with a screen


def test_bedtime_tracks_differ_from_turn_to_turn(audio_skill):
    heard = []
    for _ in range(3):
        envelope = with_player(intent("BedtimeTipIntent", {"tips_heard": heard}))
        heard = respond(audio_skill, envelope)["sessionAttributes"]["tips_heard"]
    assert len(set(heard[-3:])) == 3


def assert_spoken_tip(response: dict):
    said = keys(response)
    assert said[0] == "bedtime.intro" and said[1].startswith("tip.") and said[-1] in ("bedtime.close", "reminder.offer"), said
    # The first spoken one offers the nightly reminder (once) and waits for the answer.
    assert directives(response) == [] and response["response"]["shouldEndSession"] is (said[-1] == "bedtime.close")


def test_bedtime_without_audio_player_is_spoken(audio_skill):
    assert_spoken_tip(bedtime(audio_skill, supported=False))


def test_bedtime_without_a_pack_is_spoken(tmp_path):
    assert_spoken_tip(bedtime(make_skill(audio_base_url=BASE, audio_dir=tmp_path / "no-pack")))


def test_bedtime_without_a_base_url_is_spoken(pack):
    assert_spoken_tip(bedtime(make_skill(audio_dir=pack[0])))


def test_bedtime_with_a_pack_lacking_that_track_is_spoken(tmp_path):
    write_pack(tmp_path, ["help.main#0", "track.bedtime.no-such-tip"], seconds=0.5)
    assert_spoken_tip(bedtime(make_skill(audio_base_url=BASE, audio_dir=tmp_path)))


def test_unreadable_manifest_is_logged_and_the_tip_spoken(tmp_path, caplog):
    (tmp_path / "manifest.json").write_text("{ not json")
    with caplog.at_level(logging.ERROR):
        skill = make_skill(audio_base_url=BASE, audio_dir=tmp_path)
    assert any(r.name == "skill.builder" and r.levelno == logging.ERROR for r in caplog.records)
    assert_spoken_tip(bedtime(skill))


# --- AudioPlayer events ----------------------------------------------------------------------


@pytest.mark.parametrize("event", ["PlaybackStarted", "PlaybackNearlyFinished", "PlaybackFinished",
                                   "PlaybackStopped"])
@pytest.mark.parametrize("whose", ["ours", "theirs"])
def test_playback_events_are_answered_empty(audio_skill, event, whose):
    tip_token = token(TIPS[0]) if whose == "ours" else "some-other-token"
    response = respond(audio_skill, audio_request(f"AudioPlayer.{event}", tip_token, 4200))
    assert_silent(response)
    assert directives(response) == []


def test_playback_failed_logs_a_warning(audio_skill, caplog):
    failed = audio_request("AudioPlayer.PlaybackFailed", token(TIPS[0]), 0,
                           error={"type": "MEDIA_ERROR_SERVICE_UNAVAILABLE", "message": "503 from CDN"},
                           currentPlaybackState={"token": token(TIPS[0]), "offsetInMilliseconds": 0,
                                                 "playerActivity": "PLAYING"})
    with caplog.at_level(logging.WARNING):
        response = respond(audio_skill, failed)
    assert_silent(response)
    assert any(r.levelname == "WARNING" and "503 from CDN" in r.getMessage() for r in caplog.records)


def test_exception_encountered_is_answered_without_speech(audio_skill):
    response = respond(audio_skill, load(fixtures.EXCEPTION_ENCOUNTERED))
    assert "outputSpeech" not in response["response"] and directives(response) == []


# --- PlaybackController: the device's buttons ------------------------------------------------


def controller(skill, command: str, tip_token: str, offset: int = 0, activity: str = "PAUSED") -> dict:
    return respond(skill, audio_request(f"PlaybackController.{command}CommandIssued", tip_token, offset, activity))


def test_pause_button_stops(audio_skill):
    response = controller(audio_skill, "Pause", token(TIPS[1]), 5000, "PLAYING")
    assert_silent(response)
    assert [d["type"] for d in directives(response)] == ["AudioPlayer.Stop"]


def test_play_button_resumes_at_the_offset(audio_skill, pack):
    response = controller(audio_skill, "Play", token(TIPS[1]), 61_500, "STOPPED")
    assert_silent(response)
    assert play_of(response) == {"token": token(TIPS[1]), "url": url(pack, TIPS[1]), "offsetInMilliseconds": 61_500}


def test_next_and_previous_buttons_move_through_the_bedtime_tracks(audio_skill, pack):
    assert play_of(controller(audio_skill, "Next", token(TIPS[0]), 9000)) == {
        "token": token(TIPS[1]), "url": url(pack, TIPS[1]), "offsetInMilliseconds": 0}
    assert play_of(controller(audio_skill, "Previous", token(TIPS[1]), 9000))["token"] == token(TIPS[0])


@pytest.mark.parametrize(("command", "tip"), [("Previous", TIPS[0]), ("Next", TIPS[-1])])
def test_no_track_before_the_first_or_after_the_last(audio_skill, command, tip):
    response = controller(audio_skill, command, token(tip))
    assert_silent(response)
    assert directives(response) == []


@pytest.mark.parametrize("command", ["Play", "Pause", "Next", "Previous"])
@pytest.mark.parametrize("other", ["someone-elses-token", "cramp-coach/bedtime/en-US/no-such-tip", ""])
def test_buttons_for_a_token_not_ours_do_nothing(audio_skill, command, other):
    response = controller(audio_skill, command, other)
    assert_silent(response)
    # A token of our shape for a tip we lack is still ours to stop; nothing else is ours to touch.
    ours = command == "Pause" and other.startswith("cramp-coach/")
    assert [d["type"] for d in directives(response)] == (["AudioPlayer.Stop"] if ours else [])


# --- what the user says while a track is held ------------------------------------------------


def said_while(skill, name: str, tip: str | None, offset: int = 0, activity: str = "STOPPED",
               attributes: dict | None = None) -> dict:
    envelope = with_player(intent(name, attributes), token(tip) if tip else None, offset, activity)
    return respond(skill, envelope)


@pytest.mark.parametrize("activity", ["PLAYING", "STOPPED"])
def test_pause_while_playing_stops_without_speech(audio_skill, activity):
    response = said_while(audio_skill, "AMAZON.PauseIntent", TIPS[2], 30_000, activity)
    assert [d["type"] for d in directives(response)] == ["AudioPlayer.Stop"]
    assert "outputSpeech" not in response["response"] and response["response"]["shouldEndSession"] is True


@pytest.mark.parametrize("activity", ["STOPPED", "PAUSED"])
def test_resume_plays_from_the_offset_alexa_holds(audio_skill, pack, activity):
    response = said_while(audio_skill, "AMAZON.ResumeIntent", TIPS[2], 83_250, activity)
    assert play_of(response) == {"token": token(TIPS[2]), "url": url(pack, TIPS[2]), "offsetInMilliseconds": 83_250}
    assert "outputSpeech" not in response["response"] and response["response"]["shouldEndSession"] is True


def test_pause_then_resume_carries_the_offset_through_alexa(audio_skill):
    """The offset is not stored by us: Alexa reports it with the next request."""
    paused = said_while(audio_skill, "AMAZON.PauseIntent", TIPS[3], 47_000, "PLAYING")
    assert directives(paused)[0]["type"] == "AudioPlayer.Stop"
    resumed = said_while(audio_skill, "AMAZON.ResumeIntent", TIPS[3], 47_000, "STOPPED")
    assert play_of(resumed)["offsetInMilliseconds"] == 47_000


@pytest.mark.parametrize("name", ["AMAZON.StopIntent", "AMAZON.CancelIntent"])
def test_stop_and_cancel_while_playing_stop_the_track(audio_skill, name):
    response = said_while(audio_skill, name, TIPS[0], 1000, "PLAYING")
    assert [d["type"] for d in directives(response)] == ["AudioPlayer.Stop"]
    assert keys(response) == ["goodbye.main"] and response["response"]["shouldEndSession"] is True


def test_start_over_and_next_while_playing(audio_skill):
    assert play_of(said_while(audio_skill, "AMAZON.StartOverIntent", TIPS[1], 70_000))["offsetInMilliseconds"] == 0
    assert play_of(said_while(audio_skill, "AMAZON.RepeatIntent", TIPS[1], 70_000))["offsetInMilliseconds"] == 0
    assert play_of(said_while(audio_skill, "AMAZON.NextIntent", TIPS[1], 70_000))["token"] == token(TIPS[2])
    assert play_of(said_while(audio_skill, "AMAZON.PreviousIntent", TIPS[1]))["token"] == token(TIPS[0])


@pytest.mark.parametrize(("tip", "activity"), [(None, "IDLE"), (TIPS[0], "FINISHED"), (TIPS[0], "IDLE")])
def test_pause_and_resume_without_a_held_track_are_the_stretch_answers(audio_skill, tip, activity):
    for name in ("AMAZON.PauseIntent", "AMAZON.ResumeIntent"):
        response = said_while(audio_skill, name, tip, 0, activity)
        assert keys(response) == ["stretch.not_active"] and directives(response) == []


def test_a_token_not_ours_leaves_pause_to_the_stretch(audio_skill):
    envelope = with_player(intent("AMAZON.PauseIntent"), "someone-elses-token", 1000, "PLAYING")
    response = respond(audio_skill, envelope)
    assert keys(response) == ["stretch.not_active"] and directives(response) == []


def test_a_routine_in_progress_keeps_pause_and_resume(audio_skill):
    routine = {"routine": {"muscle": "calf", "step": 1, "round": 1, "paused": False}}
    paused = said_while(audio_skill, "AMAZON.PauseIntent", TIPS[0], 5000, "STOPPED", routine)
    assert keys(paused) == ["stretch.paused"] and directives(paused) == []
    resumed = said_while(audio_skill, "AMAZON.ResumeIntent", TIPS[0], 5000, "STOPPED", paused["sessionAttributes"])
    assert keys(resumed)[:2] == ["stretch.resume", "routine.calf.1"] and directives(resumed) == []


def test_no_audio_settings_no_player(pack):
    """Without a base URL even a held token of ours is only a word: resume plays nothing."""
    skill = make_skill(audio_dir=pack[0])
    response = said_while(skill, "AMAZON.ResumeIntent", TIPS[0], 1000)
    assert directives(response) == []


def test_an_event_whose_type_attribute_is_overwritten_is_answered_silently(audio_skill):
    # Found by the long fuzz: a property named like the model's own attribute sets it to null.
    event = audio_request("AudioPlayer.PlaybackStarted", token(bedtime_tips()[0]))
    event["request"]["object_type"] = None
    assert respond(audio_skill, event)["response"] == {}


@pytest.mark.parametrize("name", ["AMAZON.LoopOnIntent", "AMAZON.LoopOffIntent", "AMAZON.ShuffleOnIntent",
                                  "AMAZON.ShuffleOffIntent"])
def test_loop_and_shuffle_leave_the_track_playing(audio_skill, name):
    # Not in our model, but Alexa sends them to the skill that last played audio.
    response = said_while(audio_skill, name, TIPS[1], 5000, "PLAYING")
    assert directives(response) == [] and "outputSpeech" not in response["response"]
    assert response["response"]["shouldEndSession"] is True
