"""Hypothesis strategies for Alexa request envelopes, derived from the interaction model and the
content: every request type, our intents and unknown ones, odd slots, timestamps and locales,
extra and missing fields, and session attributes a client could echo back.

``envelopes()`` is what Alexa could send: every field has the JSON type ask-sdk-model expects,
values are anything. ``hostile_envelopes()`` breaks that too (wrong types, unknown enum values and
request types, unparseable timestamps, deleted required keys), so the SDK may refuse to read it.

Every strategy is built once, at import: building strategies inside a draw costs more than
drawing from them.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import string

from ask_sdk_model import Request
from hypothesis import strategies as st

import content
from skill.handlers.canfulfill import MODELS
from skill.handlers.stretch import MAX_ROUNDS
from speech import Speaker

MODEL = json.loads((MODELS / "en-US.json").read_text(encoding="utf-8"))["interactionModel"]["languageModel"]
INTENTS: dict[str, dict[str, str]] = {
    i["name"]: {s["name"]: s["type"] for s in i.get("slots", [])} for i in MODEL["intents"]}
SLOT_TYPES: dict[str, list[dict]] = {t["name"]: t["values"] for t in MODEL.get("types", [])}
# Built-in slot types have no values in the model: what Alexa resolves them to.
SLOT_TYPES["AMAZON.TIME"] = [{"id": value, "name": {"value": value}} for value in ("22:00", "09:30", "NI", "MO", "14:00")]
CONTENT = content.load("en-US")
MUSCLES = sorted(CONTENT.muscles)
TOPICS = sorted(CONTENT.topics)
TIP_IDS = [t.id for t in CONTENT.tips]
PENDING = ["stretch", "easing", "tip", "more_tip", "doctor", "resume", "carry_on", "more"]
SERIES = ["doctor", "causes"]

AUDIO_PLAYER = ["AudioPlayer.PlaybackStarted", "AudioPlayer.PlaybackFinished", "AudioPlayer.PlaybackStopped",
                "AudioPlayer.PlaybackNearlyFinished", "AudioPlayer.PlaybackFailed"]
PLAYBACK_CONTROLLER = ["PlaybackController.NextCommandIssued", "PlaybackController.PauseCommandIssued",
                       "PlaybackController.PlayCommandIssued", "PlaybackController.PreviousCommandIssued"]
CORE_TYPES = ["LaunchRequest", "IntentRequest", "SessionEndedRequest", "CanFulfillIntentRequest",
              "System.ExceptionEncountered", "SessionResumedRequest", *AUDIO_PLAYER, *PLAYBACK_CONTROLLER]
# Every other type ask-sdk-model knows (APL events, Connections.Response, Messaging...).
OTHER_SDK_TYPES = sorted(set(Request.discriminator_value_class_map) - set(CORE_TYPES))
# Types ask-sdk-model cannot read: the SDK refuses these envelopes (see hostile_envelopes).
UNKNOWN_TYPES = ["Alexa.Brand.NewEvent", "launchrequest", "Intent", "", "AudioPlayer.PlaybackResumed"]
SPEAKING_TYPES = {"LaunchRequest", "IntentRequest", "Alexa.Presentation.APL.UserEvent", "Connections.Response"}  # the only types whose answer may speak
# Out-of-session request types: Alexa sends these without a session.
SESSIONLESS = {"CanFulfillIntentRequest", "System.ExceptionEncountered", *AUDIO_PLAYER, *PLAYBACK_CONTROLLER}

OTHER_AMAZON_INTENTS = ["AMAZON.ScrollUpIntent", "AMAZON.LoopOnIntent", "AMAZON.ShuffleOnIntent",
                        "AMAZON.MoreIntent", "AMAZON.SelectIntent", "AMAZON.SendToPhoneIntent"]
UNKNOWN_INTENTS = ["OrderPizzaIntent", "crampnowintent", "CrampNowIntent ", "AMAZON.", "Intent", ""]

LOCALES = ["en-US", "en-GB", "en-AU", "en-CA", "en-IN", "de-DE", "fr-FR", "es-US", "ja-JP", "pt-BR",
           "hi-IN", "ar-SA", "", "EN-us", "en_US", "xx-XX", "en", "../../skill", "../../../../etc/passwd",
           "en-US\x00", "en-US/../en-US", "NUL", "con"]

NASTY = ["", " ", "\t\n", "<speak>", "</speak>", "&", "&amp;", "]]>", "<!--", '<break time="100s"/>',
         "[pause 99999s]", "{muscle}", "{0}", "{}", "%s", "\x00", "\x07", "\ud800", "\udfff", "\ufffe", "\uffff",
         "😀", "ß", "İ", "\u202e", "\u200b", "null", "None", "true", "0", "-1", "NaN", "1e400", "__proto__",
         "constructor", "__class__", "calf", "CALF", " calf ", "amzn1.ask.skill.other"]

MISSING = object()  # a drawn value meaning "leave the key out"
_MISSING = st.just(MISSING)


def put(target: dict, key: str, value) -> None:
    if value is not MISSING:
        target[key] = value


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, chosen by weight. (``st.one_of(a, a, b)`` does not weigh: it drops
    repeated branches.)"""
    indices = st.sampled_from([i for i, (weight, _) in enumerate(choices) for _ in range(weight)])
    return st.composite(lambda draw: draw(choices[draw(indices)][1]))()


def maybe(strategy: st.SearchStrategy, *, null: bool = True) -> st.SearchStrategy:
    """Usually the value; else the key left out or (when the model allows) an explicit null."""
    return weighted((6, strategy), (1, _MISSING), (1 if null else 0, st.none()))


def repeated(chunks: st.SearchStrategy[str], low: int, high: int) -> st.SearchStrategy[str]:
    """Long strings cheaply: a short drawn chunk repeated up to a drawn length."""
    return st.builds(lambda chunk, n: (chunk * (n // len(chunk) + 1))[:n], chunks, st.integers(low, high))


ANY_CHAR = st.characters(exclude_categories=())  # lone surrogates and controls included
HUGE = repeated(st.text(ANY_CHAR, min_size=1, max_size=12), 1000, 10_000)
TEXT = weighted((3, st.sampled_from(NASTY)), (3, st.text(max_size=24)), (1, st.text(ANY_CHAR, max_size=8)), (1, HUGE))
SHORT_TEXT = weighted((1, st.sampled_from(NASTY)), (1, st.text(max_size=12)))
KEY = st.one_of(st.sampled_from(NASTY), st.text(max_size=8))
ALNUM = string.ascii_letters + string.digits

JSON_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 70, 2 ** 70),
                        st.floats(allow_nan=False, allow_infinity=False), SHORT_TEXT)
JSON = st.recursive(JSON_SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(KEY, inner, max_size=4)),
                    max_leaves=10)
NOT_A_DICT = st.one_of(JSON_SCALAR, st.lists(JSON_SCALAR, max_size=3))
# Names no model class has, so the SDK keeps them as plain extras (certification sends such).
EXTRA_NAME = st.builds("x{}{}".format, st.sampled_from(string.ascii_uppercase), st.text(ALNUM, max_size=10))
EXTRAS = st.dictionaries(EXTRA_NAME, JSON, min_size=1, max_size=2)
IDS = weighted((3, st.builds("amzn1.{}.{}".format,
                             st.sampled_from(["ask.account", "ask.device", "echo-api.session", "echo-api.request"]),
                             st.text(ALNUM + ".-", min_size=1, max_size=40))),
               (1, SHORT_TEXT))
LOCALE = weighted((4, st.just("en-US")), (4, st.sampled_from(LOCALES)), (1, SHORT_TEXT))

# --- timestamps -----------------------------------------------------------------------------------

UTC = dt.timezone.utc
ZONES = st.one_of(st.just(UTC), st.builds(lambda m: dt.timezone(dt.timedelta(minutes=m)),
                                          st.integers(-23 * 60 - 59, 23 * 60 + 59)))


def _iso(moment: dt.datetime, style: int) -> str:
    # isoformat, not strftime: glibc's %Y does not pad years before 1000 ("31-04-25T...").
    if style == 0:
        if not moment.tzinfo:
            return moment.isoformat()
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    if style == 1:
        return moment.isoformat()
    if style == 2:
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return moment.replace(tzinfo=None).isoformat(timespec="seconds")


GOOD_TIMESTAMP = st.one_of(
    st.sampled_from(["2026-11-24T03:00:00Z", "2026-11-24T03:00:00.123Z", "2026-11-24T03:00:00+09:00",
                     "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z",
                     "2026-11-24T03:00:00.123456789Z", "2026-11-24", "2026-11-24T03:00", "20261124T030000Z"]),
    st.builds(_iso, st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30),
                                 timezones=st.one_of(st.none(), ZONES)), st.integers(0, 3)),
)
# What a broken or hostile client could put there; the SDK's parser refuses many of these.
ODD_TIMESTAMP = st.one_of(
    st.sampled_from(["", "now", "yesterday", "2026-13-45T25:61:61Z", "2026-11-24T03:00:00+99:00", "-1",
                     "0", "1e10", "Nov 24 2026 3am", "99999-01-01T00:00:00Z", "T", "Z"]),
    TEXT, st.integers(-2 ** 70, 2 ** 70), st.floats(allow_nan=False), st.booleans(),
)

# --- slots and intents ----------------------------------------------------------------------------

CONFIRMATION = maybe(st.sampled_from(["NONE", "CONFIRMED", "DENIED"]))
AUTHORITIES = ["amzn1.er-authority.echo-sdk.amzn1.ask.skill.test.{}",
               "amzn1.er-authority.echo-sdk.dynamic.amzn1.ask.skill.test.{}"]
STATUS = st.sampled_from(["ER_SUCCESS_MATCH", "ER_SUCCESS_NO_MATCH", "ER_ERROR_TIMEOUT", "ER_ERROR_EXCEPTION"])
SHAPE = st.sampled_from(["empty", "value", "resolved", "resolved", "resolved", "resolved", "slotValue"])


def _slot_strategy(slot_type: str | None) -> st.SearchStrategy[dict]:
    """A slot of ``slot_type`` (None: no type we know), without its name."""
    values = SLOT_TYPES.get(slot_type or "", [])
    heard = [v["name"]["value"] for v in values] + [s for v in values for s in v["name"].get("synonyms", [])]
    ids = [v["id"] for v in values if v.get("id")]
    spoken = weighted((3, st.sampled_from(heard)), (1, TEXT)) if heard else TEXT
    # Mostly ids from the model; sometimes one the code has never seen (a model deployed ahead of
    # the code, or another locale's model).
    resolved = weighted((6, st.sampled_from(ids)), (1, TEXT)) if ids else TEXT
    value_lists = st.lists(st.fixed_dictionaries(
        {"value": st.fixed_dictionaries({"name": spoken}, optional={"id": resolved})}), max_size=3)

    @st.composite
    def resolution(draw) -> dict:
        code = draw(STATUS)
        out = {"authority": draw(st.sampled_from(AUTHORITIES)).format(slot_type), "status": {"code": code}}
        if code == "ER_SUCCESS_MATCH" or draw(st.booleans()):
            values = draw(value_lists)
            put(out, "values", values if values or draw(st.booleans()) else MISSING)
        return out

    authorities = st.lists(resolution(), max_size=3)

    @st.composite
    def slot(draw) -> dict:
        out = {}
        put(out, "confirmationStatus", draw(CONFIRMATION))
        shape = draw(SHAPE)
        if shape == "empty":
            return out
        out["value"] = draw(spoken)
        if shape in ("resolved", "slotValue"):
            out["resolutions"] = {"resolutionsPerAuthority": draw(authorities)}
            if shape == "slotValue":  # the newer shape, beside the classic one
                out["slotValue"] = {"type": "Simple", "value": out["value"], "resolutions": out["resolutions"]}
        return out

    return slot()


SLOT = {slot_type: _slot_strategy(slot_type) for slot_type in [None, *SLOT_TYPES]}
UNDECLARED_SLOT_NAME = st.one_of(st.sampled_from(["muscle", "topic", "symptom", "colour", "mode"]), KEY)
ANY_SLOT_TYPE = st.sampled_from([None, *SLOT_TYPES])


@st.composite
def _slots(draw, declared: tuple[tuple[str, str], ...]) -> dict:
    out = {}
    for name, slot_type in declared:
        if draw(st.integers(0, 5)):  # usually present: Alexa sends every declared slot
            out[name] = {"name": name, **draw(SLOT[slot_type])}
    for _ in range(draw(st.integers(0, 2))):  # slots the model does not declare
        name = draw(UNDECLARED_SLOT_NAME)
        out[name] = {"name": name, **draw(SLOT[draw(ANY_SLOT_TYPE)])}
    return out


SLOTS = {name: _slots(tuple(declared.items())) for name, declared in INTENTS.items()}
NO_SLOTS_DECLARED = _slots(())
MAYBE_SLOTS = {name: maybe(strategy) for name, strategy in SLOTS.items()}
MAYBE_NO_SLOTS = maybe(NO_SLOTS_DECLARED)


def slots(intent_name: str) -> st.SearchStrategy[dict]:
    return SLOTS.get(intent_name, NO_SLOTS_DECLARED)


INTENT_NAME = weighted((8, st.sampled_from(sorted(INTENTS))),
                       (1, st.sampled_from(OTHER_AMAZON_INTENTS + UNKNOWN_INTENTS)), (1, SHORT_TEXT))


@st.composite
def _intent(draw, with_confirmation: bool) -> dict:
    name = draw(INTENT_NAME)
    out = {"name": name}
    if with_confirmation:
        put(out, "confirmationStatus", draw(CONFIRMATION))
    put(out, "slots", draw(MAYBE_SLOTS.get(name, MAYBE_NO_SLOTS)))
    return out


INTENT = _intent(True)
CAN_FULFILL_INTENT = _intent(False)

# --- session attributes ---------------------------------------------------------------------------

STEPS = {muscle: st.integers(1, len(CONTENT.routines[muscle].steps)) for muscle in MUSCLES}
PAUSED = st.one_of(st.booleans(), _MISSING)


@st.composite
def _good_routine(draw) -> dict:
    muscle = draw(st.sampled_from(MUSCLES))
    out = {"muscle": muscle, "step": draw(STEPS[muscle]), "round": draw(st.integers(1, MAX_ROUNDS))}
    put(out, "paused", draw(PAUSED))
    return out


GOOD_ROUTINE = _good_routine()
BAD_FIELD = {
    "muscle": st.one_of(st.sampled_from(["", "CALF", "elbow", "routine"]), JSON),
    "step": st.one_of(st.sampled_from([0, -1, 99, 2 ** 70, 1.5, True, "2", None]), JSON),
    "round": st.one_of(st.sampled_from([0, -1, 99, 1.5, True, "1", None]), JSON),
    "paused": st.one_of(st.sampled_from(["no", 0, 1, None]), JSON),
}
ROUTINE_HOW = st.sampled_from(["not-a-dict", "any-dict", "missing-key", "bad-field"])
ROUTINE_FIELD = st.sampled_from(sorted(BAD_FIELD))
ANY_DICT_ROUTINE = st.dictionaries(st.one_of(st.sampled_from(sorted(BAD_FIELD)), KEY), JSON, max_size=5)


@st.composite
def _bad_routine(draw):
    how = draw(ROUTINE_HOW)
    if how == "not-a-dict":
        return draw(NOT_A_DICT)
    if how == "any-dict":
        return draw(ANY_DICT_ROUTINE)
    routine = draw(GOOD_ROUTINE)
    key = draw(ROUTINE_FIELD)
    if how == "missing-key":
        routine.pop(key, None)
    else:
        routine[key] = draw(BAD_FIELD[key])
    return routine


def _fragments() -> list[str]:
    """SSML fragments the skill itself says: what ``last`` holds when Alexa echoes it back."""
    speaker = Speaker(CONTENT)
    fill = {"muscle": MUSCLES[0], "topic": TOPICS[0], "seconds": 20}
    said = [speaker.say(key, **{name: fill[name] for name in phrase.slots if name in fill}).ssml
            for key, phrase in sorted(CONTENT.phrases.items()) if phrase.slots <= {*fill, "emergency_number"}]
    return said + [speaker.step(m, 1).ssml for m in MUSCLES]


FRAGMENT = st.sampled_from(_fragments())
LAST_FIELD = st.sampled_from(["ssml", "reprompt", "keys"])
LAST_HOW = st.sampled_from(["not-a-dict", "missing-key", "bad-field"])
GOOD_LAST = st.fixed_dictionaries({
    "ssml": st.lists(FRAGMENT, min_size=1, max_size=3).map(" ".join),
    "reprompt": st.one_of(st.none(), FRAGMENT),
    "keys": st.lists(st.sampled_from(sorted(CONTENT.phrases)), min_size=1, max_size=4),
})


@st.composite
def _bad_last(draw):
    how = draw(LAST_HOW)
    if how == "not-a-dict":
        return draw(NOT_A_DICT)
    last = draw(GOOD_LAST)
    key = draw(LAST_FIELD)
    if how == "missing-key":
        del last[key]
    else:
        last[key] = draw(st.one_of(JSON, st.lists(JSON_SCALAR, max_size=3)))
    return last


GOOD_ATTRIBUTES = {
    "routine": st.one_of(st.none(), GOOD_ROUTINE),
    "pending": st.one_of(st.none(), st.sampled_from(PENDING)),
    "offer": st.sampled_from(MUSCLES),
    "topic": st.one_of(st.none(), st.sampled_from(TOPICS)),
    "tips_heard": st.lists(st.sampled_from(TIP_IDS), max_size=len(TIP_IDS) + 2),
    "last": GOOD_LAST,
    "resume": GOOD_ROUTINE,
    "series": st.sampled_from(SERIES),
    "part": st.integers(1, 2),
    "night": st.fixed_dictionaries({"voice": st.sampled_from([None, "whisper", "normal"]),
                                    "zone": st.sampled_from([None, "Europe/London", "Asia/Tokyo"])}),
}
BAD_ATTRIBUTES = {
    "routine": _bad_routine(),
    "pending": st.one_of(st.sampled_from(["", "STRETCH", "yes", "routine"]), JSON),
    "offer": st.one_of(st.sampled_from(["elbow", "", "CALF"]), JSON, HUGE),
    "topic": st.one_of(st.sampled_from(["knitting", "", "?"]), JSON, HUGE),
    "tips_heard": st.one_of(NOT_A_DICT, st.dictionaries(KEY, JSON_SCALAR, max_size=3),
                            st.lists(st.one_of(st.sampled_from(TIP_IDS), JSON), max_size=6),
                            st.lists(st.sampled_from(["retired-tip", "old-tip-2"] + TIP_IDS), max_size=6)),
    "last": _bad_last(),
    "resume": _bad_routine(),
    "series": st.one_of(st.sampled_from(["", "DOCTOR", "__class__", "relief"]), JSON),
    "part": st.one_of(st.sampled_from([0, -1, 3, 99, True, 1.5, "1"]), JSON),
    "night": st.one_of(NOT_A_DICT, st.fixed_dictionaries({
        "voice": st.one_of(st.sampled_from(["scream", "", "WHISPER"]), JSON),
        "zone": st.one_of(st.sampled_from(["../../etc/passwd", "Mars/Olympus_Mons", "", "UTC" * 30]), JSON)})),
}
ATTRIBUTE_CHOICE = {True: st.sampled_from(["absent", "good", "bad"]), False: st.sampled_from(["absent", "good"])}
UNKNOWN_ATTRIBUTES = st.dictionaries(st.one_of(EXTRA_NAME, KEY), JSON, max_size=3)


@st.composite
def _session_attributes(draw, malformed: bool) -> dict:
    out = {}
    for key in GOOD_ATTRIBUTES:
        choice = draw(ATTRIBUTE_CHOICE[malformed])
        if choice != "absent":
            out[key] = draw((GOOD_ATTRIBUTES if choice == "good" else BAD_ATTRIBUTES)[key])
    if malformed:
        out.update(draw(UNKNOWN_ATTRIBUTES))
    return out


SESSION_ATTRIBUTES = {malformed: _session_attributes(malformed) for malformed in (True, False)}


def session_attributes(malformed: bool = True) -> st.SearchStrategy[dict]:
    """Attributes this skill keeps, each absent, as the skill writes it, or (if ``malformed``) in a
    shape an older version, a bug or a hand-edited test could leave; plus unknown keys."""
    return SESSION_ATTRIBUTES[malformed]


# --- envelopes ------------------------------------------------------------------------------------

INTERFACES = st.dictionaries(st.sampled_from(["AudioPlayer", "Display", "Alexa.Presentation.APL", "VideoApp",
                                              "Geolocation", "Navigation", "xNewInterface"]), st.just({}), max_size=3)
SYSTEM_FIELDS = {
    "application": maybe(st.fixed_dictionaries({}, optional={"applicationId": IDS})),
    "user": maybe(st.fixed_dictionaries({}, optional={"userId": IDS, "accessToken": IDS})),
    "device": maybe(st.fixed_dictionaries({}, optional={"deviceId": IDS, "supportedInterfaces": INTERFACES})),
    "apiEndpoint": maybe(st.sampled_from(["http://127.0.0.1:9", "https://127.0.0.1:9"])),
    "apiAccessToken": maybe(IDS),
}
AUDIO_PLAYER_STATE = st.fixed_dictionaries({}, optional={
    "token": SHORT_TEXT, "offsetInMilliseconds": st.integers(0, 2 ** 40),
    "playerActivity": st.sampled_from(["PLAYING", "PAUSED", "FINISHED", "BUFFER_UNDERRUN", "IDLE", "STOPPED"])})


@st.composite
def _context(draw) -> dict:
    system = {}
    for key, strategy in SYSTEM_FIELDS.items():
        put(system, key, draw(strategy))
    out = {"System": system}
    if draw(st.booleans()):
        out["AudioPlayer"] = draw(AUDIO_PLAYER_STATE)
    return out


def _error(types: list[str]) -> st.SearchStrategy:
    return maybe(st.fixed_dictionaries({}, optional={"type": st.sampled_from(types), "message": TEXT}))


COMMON_FIELDS = {"requestId": maybe(IDS), "timestamp": maybe(GOOD_TIMESTAMP), "locale": maybe(LOCALE)}
TYPE_FIELDS = {
    # An IntentRequest always names an intent; a missing one is only in hostile_envelopes.
    "IntentRequest": {"dialogState": maybe(st.sampled_from(["STARTED", "IN_PROGRESS", "COMPLETED"])),
                      "intent": INTENT},
    "CanFulfillIntentRequest": {"intent": maybe(CAN_FULFILL_INTENT)},
    "SessionEndedRequest": {
        "reason": maybe(st.sampled_from(["USER_INITIATED", "ERROR", "EXCEEDED_MAX_REPROMPTS"])),
        "error": _error(["INVALID_RESPONSE", "DEVICE_COMMUNICATION_ERROR", "INTERNAL_SERVICE_ERROR",
                         "ENDPOINT_TIMEOUT"])},
    "System.ExceptionEncountered": {
        "error": _error(["INVALID_RESPONSE", "DEVICE_COMMUNICATION_ERROR", "INTERNAL_SERVICE_ERROR"]),
        "cause": maybe(st.fixed_dictionaries({}, optional={"requestId": IDS}))},
    **{name: {"token": maybe(SHORT_TEXT), "offsetInMilliseconds": maybe(st.integers(0, 2 ** 40))}
       for name in AUDIO_PLAYER},
}
TYPE_FIELDS["AudioPlayer.PlaybackFailed"]["error"] = _error([
    "MEDIA_ERROR_UNKNOWN", "MEDIA_ERROR_INVALID_REQUEST", "MEDIA_ERROR_SERVICE_UNAVAILABLE",
    "MEDIA_ERROR_INTERNAL_SERVER_ERROR", "MEDIA_ERROR_INTERNAL_DEVICE_ERROR"])
REQUEST_TYPE = weighted((8, st.just("IntentRequest")), (1, st.just("LaunchRequest")),
                        (1, st.just("CanFulfillIntentRequest")), (2, st.sampled_from(CORE_TYPES)),
                        (1, st.sampled_from(OTHER_SDK_TYPES)))
SESSION_FIELDS = {
    "new": maybe(st.booleans()),
    "sessionId": maybe(IDS),
    "application": maybe(st.fixed_dictionaries({}, optional={"applicationId": IDS})),
    "user": maybe(st.fixed_dictionaries({}, optional={"userId": IDS})),
}
MAYBE_ATTRIBUTES = {malformed: maybe(strategy) for malformed, strategy in SESSION_ATTRIBUTES.items()}
VERSION = maybe(st.just("1.0"), null=False)
CONTEXT = maybe(_context(), null=False)
EXTRAS_HERE = st.integers(0, 5)


def _sprinkle_extras(draw, envelope: dict) -> None:
    """Properties the SDK does not know, at every level certification might add them."""
    request = envelope["request"]
    places = [envelope, request, envelope.get("session"), envelope.get("context"),
              (envelope.get("context") or {}).get("System"), request.get("intent")]
    places += list(((request.get("intent") or {}).get("slots") or {}).values())
    for place in places:
        if isinstance(place, dict) and draw(EXTRAS_HERE) == 0:
            place.update(draw(EXTRAS))


@st.composite
def _envelopes(draw, malformed_attributes: bool) -> dict:
    request_type = draw(REQUEST_TYPE)
    envelope = {}
    put(envelope, "version", draw(VERSION))
    in_session = draw(st.integers(0, 9)) > 0 if request_type not in SESSIONLESS else draw(st.integers(0, 4)) == 0
    if in_session:
        session = {}
        for key, strategy in SESSION_FIELDS.items():
            put(session, key, draw(strategy))
        put(session, "attributes", draw(MAYBE_ATTRIBUTES[malformed_attributes]))
        envelope["session"] = session
    put(envelope, "context", draw(CONTEXT))
    request = {"type": request_type}
    for key, strategy in {**COMMON_FIELDS, **TYPE_FIELDS.get(request_type, {})}.items():
        put(request, key, draw(strategy))
    envelope["request"] = request
    _sprinkle_extras(draw, envelope)
    return envelope


ENVELOPES = {malformed: _envelopes(malformed) for malformed in (True, False)}


def envelopes(malformed_attributes: bool = True) -> st.SearchStrategy[dict]:
    """A request envelope Alexa could send: known JSON types everywhere, any values."""
    return ENVELOPES[malformed_attributes]


# --- hostile envelopes: what only a broken client or an attacker sends ---------------------------

PYTHON_NAMES = ["__class__", "__dict__", "object_type", "request_id", "to_dict", "attribute_map",
                "deserialized_types", "intent", "slots", "supports_multiple_types"]
BREAK_HOW = st.sampled_from(["replace", "delete", "timestamp", "enum", "type", "python-name", "attributes",
                             "intent"])
BAD_ENUM_FIELD = st.sampled_from(["dialogState", "reason"])
BAD_ENUM = st.one_of(st.sampled_from(["DONE", "started", ""]), SHORT_TEXT)
BAD_TYPE = st.one_of(st.sampled_from(UNKNOWN_TYPES), JSON)
PYTHON_NAME = st.sampled_from(PYTHON_NAMES)


def _paths(value, prefix=()):
    """Every path to a value inside nested dicts and lists."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*prefix, key)
            yield from _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield (*prefix, index)
            yield from _paths(inner, (*prefix, index))


def _at(value, path):
    for part in path:
        value = value[part]
    return value


@st.composite
def _hostile_envelopes(draw) -> tuple[dict, list[str]]:
    envelope = copy.deepcopy(draw(ENVELOPES[True]))
    broken = []
    for _ in range(draw(st.integers(1, 3))):
        how = draw(BREAK_HOW)
        request = envelope.get("request")
        if not isinstance(request, dict):
            how = "replace"
        if how == "timestamp":
            request["timestamp"] = draw(ODD_TIMESTAMP)
        elif how == "enum":
            request[draw(BAD_ENUM_FIELD)] = draw(BAD_ENUM)
        elif how == "type":
            request["type"] = draw(BAD_TYPE)
        elif how == "python-name":
            target = envelope if draw(st.booleans()) else request
            target[draw(PYTHON_NAME)] = draw(JSON)
        elif how == "attributes":
            if not isinstance(envelope.get("session"), dict):
                envelope["session"] = {}
            envelope["session"]["attributes"] = draw(NOT_A_DICT)
        elif how == "intent":
            if draw(st.booleans()):
                request.pop("intent", None)
            else:
                request["intent"] = draw(NOT_A_DICT)
        else:
            paths = list(_paths(envelope))
            if not paths:
                continue
            path = paths[draw(st.integers(0, len(paths) - 1))]
            parent = _at(envelope, path[:-1])
            if how == "delete" and isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent[path[-1]] = draw(JSON)
            how = f"{how} {'.'.join(str(p) for p in path if not isinstance(p, int))}"
        broken.append(how)
    return envelope, broken


HOSTILE_ENVELOPES = _hostile_envelopes()


def hostile_envelopes() -> st.SearchStrategy[tuple[dict, list[str]]]:
    """(envelope, what was broken): an envelope from ``envelopes()`` with 1-3 things broken."""
    return HOSTILE_ENVELOPES


# --- raw HTTP bodies ------------------------------------------------------------------------------


def _deep(depth: int, opener: str) -> bytes:
    """JSON nested ``depth`` deep: past Python's recursion limit, and past the body limit."""
    if opener == "[":
        return ("[" * depth + "]" * depth).encode()
    return ('{"a":' * depth + "1" + "}" * depth).encode()


BODIES = st.one_of(
    st.binary(max_size=64),
    st.text(ANY_CHAR, max_size=32).map(lambda t: t.encode("utf-8", "surrogatepass")),
    JSON.map(lambda v: json.dumps(v).encode()),
    ENVELOPES[True].map(lambda e: json.dumps(e).encode()),
    HOSTILE_ENVELOPES.map(lambda pair: json.dumps(pair[0]).encode()),
    st.builds(_deep, st.integers(1, 100_000), st.sampled_from("[{")),
    st.sampled_from([b"", b"{", b"null", b"{}", b'{"request": null}', b'{"request": {}}', b"\xff\xfe\x00",
                     b'{"request": {"type": "LaunchRequest"}}', b"NaN", b'{"request": {"type": 1}}',
                     "\ufeff{}".encode()]),
    ENVELOPES[True].map(lambda e: json.dumps({**e, "xPadding": "x" * 140_000}).encode()),
)
