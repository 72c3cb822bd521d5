"""Fuzzing with Hypothesis: any request envelope gets a valid response envelope (or BadEnvelope,
only when ask-sdk itself cannot read it), and POST /alexa answers any body with 200, 400 or 413,
never 500.

CI runs the short profile. For a long run set CRAMP_COACH_FUZZ_EXAMPLES, e.g.
``CRAMP_COACH_FUZZ_EXAMPLES=100000 pytest tests/test_fuzz.py``: the core properties then run that
many examples and the HTTP one a fifth of it (CRAMP_COACH_FUZZ_HTTP_EXAMPLES overrides).
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
from contextlib import contextmanager
from xml.dom import expatbuilder

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope, ResponseEnvelope
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from skill.builder import build_skill
from skill.config import Settings
from skill.envelope import read as read_facts
from skill.invoke import BadEnvelope, SkillIdMismatch, respond
from tests import fixtures
from tests import strategies as s
from tests.envelopes import load

MAX_SPEECH_CHARS = 8000
MAX_RESPONSE_BYTES = 24 * 1024
MAX_BREAK_SECONDS = 10
BREAK = re.compile(r'<break time="(\d+)(s|ms)"/>')

LONG = int(os.environ.get("CRAMP_COACH_FUZZ_EXAMPLES") or 0)
LONG_HTTP = int(os.environ.get("CRAMP_COACH_FUZZ_HTTP_EXAMPLES") or 0) or LONG // 5

_COMMON = dict(deadline=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.large_base_example])
# Short: CI, no example database. Long: the default database (.hypothesis/, git-ignored), so a
# failure found in a long run replays first next time.
settings.register_profile("cramp-coach-short", database=None, **_COMMON)
settings.register_profile("cramp-coach-long", **_COMMON)


def profile(short: int, long: int, *also_suppress: HealthCheck) -> settings:
    name, examples = ("cramp-coach-long", long) if long else ("cramp-coach-short", short)
    base = settings.get_profile(name)
    return settings(base, max_examples=examples,
                    suppress_health_check=[*base.suppress_health_check, *also_suppress])


# --- the oracle -----------------------------------------------------------------------------------


def parse_ssml(spoken: str):
    """As in test_ssml: no namespace processing, since Alexa's ``amazon:`` prefix is undeclared."""
    return expatbuilder.parseString(spoken, namespaces=False)


def assert_valid_response(response, speaks: bool, request_attributes=None) -> None:
    """A response envelope Alexa accepts: JSON, read back by ask-sdk-model, well-formed SSML with
    short breaks, inside Alexa's size limits; no speech, card or reprompt for request types that
    must be answered silently."""
    assert isinstance(response, dict)
    text = json.dumps(response, allow_nan=False)
    read = DefaultSerializer().deserialize(text, ResponseEnvelope)
    assert read.version == "1.0" and read.response is not None
    body = response["response"]
    reprompt = body.get("reprompt")
    speeches = [body.get("outputSpeech"), reprompt.get("outputSpeech") if isinstance(reprompt, dict) else None]
    for speech in filter(None, speeches):
        assert speech["type"] == "SSML", speech
        ssml = speech["ssml"]
        assert ssml.startswith("<speak>") and ssml.endswith("</speak>"), ssml[:200]
        assert len(ssml) <= MAX_SPEECH_CHARS, len(ssml)
        parse_ssml(ssml)
        breaks = BREAK.findall(ssml)
        assert len(breaks) == ssml.count("<break"), ssml
        for amount, unit in breaks:
            assert int(amount) / (1000 if unit == "ms" else 1) <= MAX_BREAK_SECONDS, ssml
    if "card" in body:
        card = body["card"]
        assert card["type"] == "Simple" and isinstance(card["title"], str) and isinstance(card["content"], str)
    if not speaks:
        assert not {"outputSpeech", "reprompt", "card", "shouldEndSession"} & set(body), body
    attributes = response.get("sessionAttributes")
    assert attributes is None or isinstance(attributes, dict)
    # What the skill itself adds must fit; attributes Alexa echoes back are the client's bytes.
    echoed = len(json.dumps(request_attributes)) if isinstance(request_attributes, dict) else 0
    own = len(json.dumps({**response, "sessionAttributes": None}).encode())
    assert own <= MAX_RESPONSE_BYTES, own
    if echoed < 2048:
        assert len(text.encode()) <= MAX_RESPONSE_BYTES, len(text.encode())


def sdk_reads(envelope: dict) -> bool:
    """Whether ask-sdk's own DefaultSerializer can read this envelope at all."""
    try:
        DefaultSerializer().deserialize(json.dumps(envelope), RequestEnvelope)
    except Exception:  # noqa: BLE001 - any failure means "cannot read"
        return False
    return True


def refusal(message: str) -> str:
    """What kind of envelope the SDK could not read, from its message (for the run's statistics)."""
    if "'datetime'" in message:
        return "timestamp it cannot parse"
    if match := re.search(r"is not a valid (\w+)", message):
        return f"unknown {match[1]} value"
    if "discriminator" in message or message in ("'type'", "unhashable type: 'dict'", "unhashable type: 'list'"):
        return "request type missing or unknown"
    if "Python internal" in message:
        return "property named like a Python internal"
    return "known field of the wrong JSON type"


def speaking(envelope: dict) -> bool:
    """Whether the request is one Alexa lets a skill answer with speech (launch, intent, a touch on
    the screen, the answer to a permission request)."""
    return read_facts(envelope).request_type in s.SPEAKING_TYPES


# Where ask-sdk's serializer would still build a model, skill.serializer refuses only shapes Alexa
# never sends: a JSON value of another type where a model belongs, or no request type at all.
STRICTER = ("expected a JSON", "no request type")


def attributes_of(envelope: dict):
    session = envelope.get("session")
    return session.get("attributes") if isinstance(session, dict) else None


# --- logging: the request log runs (as in Lambda, at INFO) and the catch-all is observed ---------


class Recorder(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = Records()

    def emit(self, record):
        self.records.append(record)


class Records(list):
    def __repr__(self):  # Hypothesis prints fixtures in a falsifying example; keep it short
        return f"<{len(self)} catch-all records>"


@contextmanager
def quiet_logger(name: str, level: int, handler: logging.Handler):
    logger = logging.getLogger(name)
    saved = logger.level, logger.propagate
    logger.setLevel(level)
    logger.propagate = False
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


@pytest.fixture(scope="module")
def failures():
    """Records of the catch-all exception handler; the request log is on and kept out of the
    test report (one line per example would pile up)."""
    recorder = Recorder()
    with quiet_logger("cramp_coach.requests", logging.INFO, logging.NullHandler()), \
            quiet_logger("skill", logging.WARNING, logging.NullHandler()), \
            quiet_logger("skill.handlers.errors", logging.ERROR, recorder):
        yield recorder.records


@pytest.fixture(scope="module")
def fuzz_skill():
    return build_skill(Settings(skill_id=None, verify=False), rng=random.Random(0))


def expected_failure(envelope: dict) -> bool:
    """The one apology the suite asks for on purpose (test_handler_failure_is_an_apology_not_an_error,
    test_logs): a routine of the right shape for a muscle the content does not have."""
    attributes = attributes_of(envelope)
    routine = attributes.get("routine") if isinstance(attributes, dict) else None
    if not (isinstance(routine, dict) and isinstance(routine.get("muscle"), str)):
        return False
    counters = all(type(routine.get(key)) is int and routine[key] >= 1 for key in ("step", "round"))
    return counters and isinstance(routine.get("paused", False), bool) and routine["muscle"] not in s.CONTENT.routines


# --- (a) the core: respond(skill, envelope) -----------------------------------------------------


@profile(short=300, long=LONG)
@given(s.envelopes())
def test_any_envelope_alexa_could_send_gets_a_valid_response(fuzz_skill, failures, envelope):
    request = envelope["request"]
    event(f"type {request['type']}" if request["type"] in s.CORE_TYPES else "type (other SDK type)")
    failures.clear()
    response = respond(fuzz_skill, envelope)  # BadEnvelope here fails the test: Alexa could send it
    assert_valid_response(response, request["type"] in s.SPEAKING_TYPES, attributes_of(envelope))
    if failures and not expected_failure(envelope):
        raise AssertionError("the catch-all answered") from failures[0].exc_info[1]


@profile(short=300, long=LONG)
@given(s.hostile_envelopes())
def test_hostile_envelope_is_refused_only_when_the_sdk_cannot_read_it(fuzz_skill, failures, pair):
    envelope, broken = pair
    for how in broken:
        event(f"broken: {ascii(how.split()[0])}")
    readable = sdk_reads(envelope)
    try:
        response = respond(fuzz_skill, envelope)
    except BadEnvelope as exc:
        event(f"BadEnvelope: {refusal(str(exc))}")
        assert not readable or any(why in str(exc) for why in STRICTER), f"ask-sdk reads it, yet respond() refused it: {exc}"
        return
    # Answered, also where ask-sdk fails: it copies undeclared properties onto its model, and one
    # named "__class__" or "__dict__" breaks it; skill.serializer ignores them.
    event("answered" if readable else "answered (ask-sdk cannot read it)")
    assert_valid_response(response, speaking(envelope), attributes_of(envelope))


@profile(short=150, long=LONG // 5)
@given(st.lists(st.sampled_from(sorted(s.INTENTS)), min_size=1, max_size=12), st.data())
def test_a_conversation_never_reaches_the_catch_all(fuzz_skill, failures, names, data):
    """Sessions the skill itself writes: any sequence of our intents, session carried over."""
    failures.clear()
    attributes = {}
    for name in names:
        envelope = load(fixtures.INTENT)
        envelope["session"]["attributes"] = attributes
        envelope["request"]["intent"] = {"name": name, "confirmationStatus": "NONE",
                                         "slots": data.draw(s.slots(name))}
        response = respond(fuzz_skill, envelope)
        assert_valid_response(response, True, attributes)
        if failures:
            raise AssertionError(f"the catch-all answered {name}") from failures[0].exc_info[1]
        if response["response"].get("shouldEndSession"):
            attributes = {}
        else:
            attributes = response.get("sessionAttributes") or {}


@profile(short=300, long=LONG // 5)
@given(st.one_of(s.GOOD_TIMESTAMP, s.ODD_TIMESTAMP))
def test_fast_serializer_reads_timestamps_like_the_sdk(fuzz_skill, stamp):
    envelope = load(fixtures.LAUNCH)
    envelope["request"]["timestamp"] = stamp
    text = json.dumps(envelope)
    results = []
    for serializer in (fuzz_skill.serializer, DefaultSerializer()):
        try:
            results.append(serializer.deserialize(text, RequestEnvelope).request.timestamp)
        except Exception as exc:  # noqa: BLE001 - compared below
            results.append(type(exc))
    assert results[0] == results[1]


# The real Lambda entry: the module-level skill, built from the environment as Lambda builds it.


@pytest.fixture(scope="module")
def lambda_entry():
    root = logging.getLogger()
    level = root.level
    try:
        from skill import lambda_function  # noqa: PLC0415 - importing builds the skill
    finally:
        root.setLevel(level)  # the module sets the root level for Lambda; not for the test session
    return lambda_function


def addressed(envelope: dict, skill_id: str | None) -> dict:
    """The envelope sent to ``skill_id`` (when the entry checks one)."""
    if skill_id is not None:
        system = envelope.setdefault("context", {})
        system = system.setdefault("System", {}) if isinstance(system, dict) else None
        if isinstance(system, dict):  # a hostile envelope may have no room for it: then it is not ours
            system["application"] = {"applicationId": skill_id}
    return envelope


@pytest.mark.parametrize("path", [fixtures.LAUNCH, fixtures.INTENT, fixtures.SESSION_ENDED,
                                  fixtures.EXCEPTION_ENCOUNTERED, fixtures.CAN_FULFILL], ids=lambda p: p.stem)
def test_lambda_handler_answers_the_fixtures(lambda_entry, failures, path):
    envelope = addressed(load(path), lambda_entry._skill.skill_id)
    response = lambda_entry.lambda_handler(envelope, None)
    assert_valid_response(response, envelope["request"]["type"] in s.SPEAKING_TYPES)


@profile(short=25, long=200 if LONG else 0)
@given(s.envelopes())
def test_lambda_handler_answers_generated_envelopes(lambda_entry, failures, envelope):
    envelope = addressed(envelope, lambda_entry._skill.skill_id)
    response = lambda_entry.lambda_handler(envelope, None)
    assert_valid_response(response, envelope["request"]["type"] in s.SPEAKING_TYPES, attributes_of(envelope))


def test_lambda_handler_refuses_what_the_sdk_cannot_read(lambda_entry, failures):
    envelope = addressed(load(fixtures.LAUNCH), lambda_entry._skill.skill_id)
    envelope["request"]["type"] = "Alexa.Brand.NewEvent"
    with pytest.raises(BadEnvelope):
        lambda_entry.lambda_handler(envelope, None)


@pytest.mark.parametrize("depth", [100, 700, 5000])
def test_deeply_nested_attributes_are_refused_not_crashed(fuzz_skill, failures, depth):
    nested: object = 1
    for _ in range(depth):
        nested = {"a": nested}
    envelope = load(fixtures.INTENT)
    envelope["session"]["attributes"] = {"deep": nested}
    try:
        response = respond(fuzz_skill, envelope)
    except BadEnvelope:
        return
    assert_valid_response(response, True)


# --- (b) HTTP: POST /alexa through the Flask test client ----------------------------------------

ADDRESSED = s.envelopes().map(lambda e: addressed(e, fixtures.SKILL_ID))
BODIES = st.one_of(
    st.tuples(st.just("envelope"), ADDRESSED.map(lambda e: json.dumps(e).encode())),
    st.tuples(st.just("other"), s.BODIES),
)
CONTENT_TYPES = st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", None,
                                 "application/x-www-form-urlencoded", "multipart/form-data"])


# The client fixture is function-scoped; it holds no state between requests, so one per test does.
@profile(150, LONG_HTTP, HealthCheck.function_scoped_fixture)
@given(BODIES, CONTENT_TYPES)
def test_any_body_is_200_400_or_413_never_500(client, failures, kind_body, content_type):
    kind, body = kind_body
    response = client.post("/alexa", data=body, content_type=content_type)
    event(f"{kind}: HTTP {response.status_code}")
    assert response.status_code in (200, 400, 413), (response.status_code, response.data[:300])
    if response.status_code == 200:
        payload = json.loads(body)
        assert_valid_response(response.get_json(), speaking(payload), attributes_of(payload))
    else:
        assert isinstance(response.get_json()["error"], str)
    if kind == "envelope":
        assert response.status_code == (413 if len(body) > 128 * 1024 else 200), response.data[:300]


# --- (c) as deployed: a skill id configured, and (over HTTP) every request signed and verified -----


@pytest.fixture(scope="module")
def guarded_skill():
    return build_skill(Settings(skill_id=fixtures.SKILL_ID, verify=False, store="none"), rng=random.Random(0))


@profile(short=300, long=LONG)
@given(st.one_of(s.envelopes(), s.hostile_envelopes().map(lambda pair: pair[0])), st.sampled_from([True] * 4 + [False]))
def test_with_a_skill_id_any_envelope_is_answered_or_refused_never_crashed(guarded_skill, failures, envelope,
                                                                          ours):
    failures.clear()  # module-scoped: earlier tests may have left records
    if ours:
        envelope = addressed(envelope, fixtures.SKILL_ID)
    try:
        response = respond(guarded_skill, envelope)
    except (BadEnvelope, SkillIdMismatch) as exc:  # 400 over HTTP
        event(f"refused: {type(exc).__name__}")
        return
    event("answered")
    assert_valid_response(response, speaking(envelope), attributes_of(envelope))
    if failures and not expected_failure(envelope):
        raise AssertionError("the catch-all answered") from failures[0].exc_info[1]


@pytest.fixture(scope="module")
def verified(tmp_path_factory):
    """create_app with verification on, trusting the test PKI, whose chain 'S3' serves."""
    import responses

    from skill.http.app import create_app
    from tests.pki import make_pki

    pki = make_pki(tmp_path_factory.mktemp("pki"))
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    mock.start()
    pki.serve(mock)
    try:
        app = create_app(Settings(skill_id=fixtures.SKILL_ID, verify=True, ca_bundle=pki.ca_bundle, store="none"),
                         rng=random.Random(0))
        yield app.test_client(), pki
    finally:
        mock.stop()
        mock.reset()


@profile(150, LONG_HTTP)
@given(st.one_of(st.tuples(st.just("envelope"), s.envelopes()),
                 st.tuples(st.just("hostile"), s.hostile_envelopes().map(lambda pair: pair[0]))))
def test_signed_requests_are_200_or_400_never_500(verified, failures, kind_envelope):
    import datetime as dt

    from tests.pki import signed_headers

    client, pki = verified
    kind, envelope = kind_envelope
    envelope = addressed(envelope, fixtures.SKILL_ID)
    if isinstance(envelope.get("request"), dict):
        envelope["request"]["timestamp"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = json.dumps(envelope).encode()
    response = client.post("/alexa", data=body, headers=signed_headers(pki, body))
    event(f"{kind}: HTTP {response.status_code}")
    assert response.status_code in (200, 400, 413), (response.status_code, response.data[:300])
    if response.status_code == 200:
        assert_valid_response(response.get_json(), speaking(envelope), attributes_of(envelope))
    elif kind == "envelope" and len(body) <= 128 * 1024:
        raise AssertionError(f"a well-formed signed envelope was refused: {response.data[:300]}")
