"""Every market: the same keys and routines as en-US, its own checked emergency number in its
emergency answers and no other market's, night across the countries it serves, its voices, its
model and store listing, and CanFulfillIntentRequest in its own words."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

import content
from content import rules
from skill.handlers.canfulfill import MODELS
from skill.nlu import manifest
from skill.config import Settings
from skill.night import Night
from speech import Speaker, ssml
from speech.audio.engines import ESPEAK_VOICES, GTTS_VOICES, EspeakEngine
from tests.envelopes import Unknown, can_fulfill

LOCALES = content.locales()
MARKETS = ("en-US", "en-GB", "en-AU", "en-CA", "en-IN", "es-US", "es-MX")  # PLATFORM.md
REFERENCE = content.load("en-US")


def test_every_market_has_content_a_grammar_and_a_model():
    assert set(MARKETS) <= set(LOCALES)
    for locale in MARKETS:
        assert (MODELS / f"{locale}.json").is_file(), locale


@pytest.mark.parametrize("locale", LOCALES)
def test_a_locale_lacks_no_key_routine_tip_or_symptom_that_en_us_has(locale):
    loaded = content.load(locale)
    assert set(REFERENCE.phrases) - set(loaded.phrases) == set()
    assert set(loaded.muscles) == set(REFERENCE.muscles) and set(loaded.topics) == set(REFERENCE.topics)
    assert {t.id: (t.topics, t.bedtime) for t in loaded.tips} == {t.id: (t.topics, t.bedtime) for t in REFERENCE.tips}
    assert {s: t.level for s, t in loaded.triage.items()} == {s: t.level for s, t in REFERENCE.triage.items()}
    for muscle, routine in REFERENCE.routines.items():  # the same steps with the same holds
        assert [s.hold for s in loaded.routines[muscle].steps] == [s.hold for s in routine.steps], (locale, muscle)
    for key, phrase in REFERENCE.phrases.items():  # the same slots, urgency and night delivery
        theirs = loaded.phrases[key]
        assert (theirs.slots, theirs.urgency, theirs.delivery) == (phrase.slots, phrase.urgency, phrase.delivery), \
            (locale, key)


def _numbers(loaded: content.Content) -> set[str]:
    return {re.sub(r"\D", "", n.number) for n in loaded.numbers.values()}


def _said(loaded: content.Content) -> dict[str, list[str]]:
    """Every key's variants as the listener gets them (cards and plain text), number filled in."""
    say = Speaker(loaded)
    return {key: [say.say(key, i, **{n: "20" if n in ("seconds", "step") else next(iter(loaded.muscles))
                                     for n in phrase.slots - {"emergency_number"}}).text
                  for i in range(len(phrase.say))]
            for key, phrase in loaded.phrases.items() if phrase.slots - {"emergency_number"} <= {"muscle", "seconds", "step"}}


@pytest.mark.parametrize("locale", LOCALES)
def test_emergency_answers_say_the_locales_own_number_and_no_other_markets(locale):
    loaded = content.load(locale)
    own = _numbers(loaded)
    others = {n for other in LOCALES if other != locale for n in _numbers(content.load(other))} - own
    emergency = re.sub(r"\D", "", loaded.numbers["emergency"].number)
    said = _said(loaded)
    loud = [key for key, phrase in loaded.phrases.items() if phrase.urgency == "emergency"]
    assert len(loud) >= 4
    for key in loud:
        for text in said[key]:
            assert emergency in re.sub(r"[ -]", "", text), (key, text)
    for key, texts in said.items():
        for text in texts:
            found = {re.sub(r"\D", "", n) for n in content.PHONE.findall(text)}
            assert found <= own and not found & others, (key, text)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_number_is_checked_against_an_official_https_source_with_a_date(locale):
    loaded = content.load(locale)
    assert loaded.numbers["emergency"].number in loaded.emergency_number
    for kind, number in loaded.numbers.items():
        assert number.sources and number.reviewed >= dt.date(2026, 11, 1), kind
        for source in number.sources:
            assert loaded.references[source].url.startswith("https://"), source


@pytest.mark.parametrize("locale", LOCALES)
def test_the_number_is_shown_as_written_and_said_as_the_market_says_it(locale):
    loaded = content.load(locale)
    piece = Speaker(loaded).say("doctor.emergency", 0).pieces[0]
    assert ssml.sub(loaded.emergency_number, loaded.emergency_spoken) in piece.ssml
    assert loaded.emergency_spoken in piece.script and loaded.emergency_number not in piece.script


# The hour (UTC, on 2026-12-01) at which it is night in every zone of a market's countries, and one
# at which it is not anywhere near: the quiet voice without knowing the device's zone.
NIGHT_AND_DAY = {
    "en-US": (8, 20),  # 03:00 New York, 22:00 Honolulu
    "en-GB": (3, 12),  # London and Dublin
    "en-AU": (16, 2),  # 03:00 Sydney, 00:00 Perth, 05:00 Auckland
    "en-CA": (9, 18),  # 05:30 St John's, 01:00 Vancouver
    "en-IN": (21, 7),  # 02:30 India
    "es-US": (8, 20),
    "es-MX": (9, 19),  # 03:00 Mexico City, 01:00 Tijuana, 04:00 Cancún
}


@pytest.mark.parametrize("locale", sorted(NIGHT_AND_DAY))
def test_night_without_a_zone_is_night_across_every_country_the_market_serves(locale):
    night, day = NIGHT_AND_DAY[locale]
    countries = content.load(locale).countries
    clock = Night(Settings())
    at = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    assert clock.everywhere_night(at.replace(hour=night), countries), (locale, countries)
    assert not clock.everywhere_night(at.replace(hour=day), countries), (locale, countries)


def test_markets_serve_the_countries_their_stores_do():
    assert content.load("en-GB").countries == ("GB", "IE")
    assert content.load("en-AU").countries == ("AU", "NZ")


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_has_a_regional_voice_for_both_engines(locale):
    lang, tld = GTTS_VOICES[locale]
    assert lang == locale[:2] and tld
    assert EspeakEngine().voice(locale)["voice"] == ESPEAK_VOICES[locale]
    assert ssml.night_style("whisper", locale) in ("whisper", "soft")


@pytest.mark.parametrize("locale", LOCALES)
def test_the_manifest_lists_the_locale_with_its_own_listing_and_number(locale):
    current = json.loads(manifest.MANIFEST.read_text())
    assert manifest.text(manifest.build(current)) == manifest.MANIFEST.read_text(), "run `cramp-coach model build`"
    listing = current["manifest"]["publishingInformation"]["locales"][locale]
    loaded = content.load(locale)
    assert loaded.emergency_number in rules.sentences(listing["description"])[0]
    assert listing["examplePhrases"][0].lower().endswith(f"{_model(locale)['invocationName']}")
    assert set(loaded.countries) <= set(current["manifest"]["publishingInformation"]["distributionCountries"])
    assert current["manifest"]["privacyAndCompliance"]["locales"][locale]["privacyPolicyUrl"].startswith("https://")


def _model(locale: str) -> dict:
    return json.loads((MODELS / f"{locale}.json").read_text())["interactionModel"]["languageModel"]


@pytest.mark.parametrize("locale", LOCALES)
def test_can_fulfill_in_the_locales_own_words(skill, locale):
    model = _model(locale)
    muscles = next(t for t in model["types"] if t["name"] == "MUSCLE")["values"]
    said = next(v["name"]["value"] for v in muscles if v["id"] == "calf")
    envelope = can_fulfill("CrampNowIntent", muscle="calf")
    envelope["request"]["locale"] = locale
    muscle = envelope["request"]["intent"]["slots"]["muscle"]
    muscle["value"] = muscle["resolutions"]["resolutionsPerAuthority"][0]["values"][0]["value"]["name"] = said
    answer = skill.respond(envelope)["response"]["canFulfillIntent"]
    assert answer["canFulfill"] == "YES" and answer["slots"]["muscle"]["canUnderstand"] == "YES", (locale, answer)
    unknown = can_fulfill("CrampNowIntent", muscle=Unknown("elbow"))
    unknown["request"]["locale"] = locale
    assert skill.respond(unknown)["response"]["canFulfillIntent"]["canFulfill"] == "NO"
