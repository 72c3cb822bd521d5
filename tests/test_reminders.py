"""The bedtime reminder through the real ask-sdk Reminders client against a fake Reminders API on
loopback (a real HTTP server): consent, create, change, cancel, forget me, and every failure."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler

import pytest

from skill import alexa_api, reminders
from skill.invoke import respond
from tests.envelopes import Conversation, intent, keys
from tests.loopback import send_json, serve

TOKEN = "reminders-token"


class RemindersApi(BaseHTTPRequestHandler):
    """/v1/alerts/reminders[/{id}]: POST creates, PUT updates, DELETE deletes; ``fail`` forces a status."""

    state: dict

    def _answer(self, status: int, body: dict | None = None):
        send_json(self, status, json.dumps(body or {}))

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}") if length else {}
        self.state["calls"].append((self.command, self.path, body))
        if self.state.get("delay"):
            time.sleep(self.state["delay"])
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._answer(401)
        if self.state.get("fail"):
            return self._answer(self.state["fail"], {"code": "FAIL", "message": "no"})
        parts = self.path.split("/")
        if self.command == "POST" and self.path == "/v1/alerts/reminders":
            alert = f"alert-{len(self.state['reminders']) + 1}"
            self.state["reminders"][alert] = body
            return self._answer(201, {"alertToken": alert, "status": "ON", "version": "1"})
        alert = parts[-1]
        if alert not in self.state["reminders"]:
            return self._answer(404, {"code": "NOT_FOUND", "message": "gone"})
        if self.command == "PUT":
            self.state["reminders"][alert] = body
            return self._answer(200, {"alertToken": alert, "status": "ON"})
        del self.state["reminders"][alert]
        return self._answer(200)

    do_POST = do_PUT = do_DELETE = _handle

    def log_message(self, *args):
        pass


@pytest.fixture
def api():
    state = {"calls": [], "reminders": {}}
    handler = type("Api", (RemindersApi,), {"state": state})
    with serve(handler) as url:
        state["url"] = url
        yield state


def granted(envelope: dict, url: str, consent: bool = True) -> dict:
    system = envelope["context"]["System"]
    system["apiEndpoint"], system["apiAccessToken"] = url, TOKEN
    if consent:
        system["user"]["permissions"] = {"scopes": {reminders.SCOPE: {"status": "GRANTED"}}}
    return envelope


def ask(talk, url: str, consent: bool = True, **slots) -> dict:
    return talk.send(granted(intent("BedtimeReminderIntent", talk.attributes, **slots), url, consent))


def connections_response(url: str, status: str, token: str = "bedtime-reminder@22:00", consent: bool = True) -> dict:
    envelope = granted(intent("BedtimeReminderIntent"), url, consent)
    envelope["request"] = {"type": "Connections.Response", "requestId": "amzn1.echo-api.request.cr",
                           "timestamp": envelope["request"]["timestamp"], "locale": "en-US", "name": "AskFor",
                           "status": {"code": "200", "message": "OK"}, "token": token,
                           "payload": {"permissionScope": reminders.SCOPE, "status": status}}
    return envelope


def with_time(name: str, value: str) -> dict:
    return {"time": value} if name == "time" else {}


def test_without_permission_it_asks_by_voice(skill, api):
    response = ask(Conversation(skill), api["url"], consent=False, time="22:00")
    (directive,) = response["response"]["directives"]
    assert directive["type"] == "Connections.SendRequest" and directive["name"] == "AskFor"
    assert directive["payload"]["permissionScopes"] == [{"permissionScope": reminders.SCOPE, "consentLevel": "ACCOUNT"}]
    assert directive["token"] == "bedtime-reminder@22:00"
    assert keys(response) == ["reminder.permission"] and response["response"]["shouldEndSession"] is True
    assert api["calls"] == []


def test_accepted_creates_one_daily_reminder(skill, api):
    response = respond(skill, connections_response(api["url"], "ACCEPTED"))
    assert keys(response) == ["reminder.created"] and "10 p.m." in response["response"]["outputSpeech"]["ssml"]
    ((method, path, body),) = api["calls"]
    assert (method, path) == ("POST", "/v1/alerts/reminders")
    trigger = body["trigger"]
    assert trigger["type"] == "SCHEDULED_ABSOLUTE"
    assert trigger["recurrence"]["recurrenceRules"] == ["FREQ=DAILY;BYHOUR=22;BYMINUTE=0;BYSECOND=0"]
    assert body["alertInfo"]["spokenInfo"]["content"][0]["locale"] == "en-US"


@pytest.mark.parametrize("status, key", [("DENIED", "reminder.denied"), ("NOT_ANSWERED", "reminder.not_answered")])
def test_denied_or_not_answered_sets_nothing(skill, api, status, key):
    response = respond(skill, connections_response(api["url"], status))
    assert keys(response) == [key] and api["calls"] == [] and response["response"]["shouldEndSession"] is True


def test_set_change_cancel_and_forget(skill, api):
    talk = Conversation(skill)
    assert keys(ask(talk, api["url"], time="22:00")) == ["reminder.created"]
    assert list(api["reminders"]) == ["alert-1"]
    said = ask(talk, api["url"], time="09:30")  # "change my reminder to 9:30": the evening one
    assert keys(said) == ["reminder.changed"] and "9:30 p.m." in said["response"]["outputSpeech"]["ssml"]
    assert api["calls"][-1][:2] == ("PUT", "/v1/alerts/reminders/alert-1")
    assert "BYHOUR=21;BYMINUTE=30" in api["reminders"]["alert-1"]["trigger"]["recurrence"]["recurrenceRules"][0]
    assert keys(ask(talk, api["url"], reminder="cancel")) == ["reminder.cancelled"] and api["reminders"] == {}
    assert keys(ask(talk, api["url"], reminder="cancel")) == ["reminder.none"]
    ask(talk, api["url"], time="21:00")
    forgot = talk.send(granted(intent("ForgetMeIntent"), api["url"]))
    assert keys(forgot) == ["forget.done", "reminder.forgotten"] and api["reminders"] == {}


@pytest.mark.parametrize("status, key", [(401, "reminder.no_permission"), (403, "reminder.no_permission"),
                                         (429, "reminder.busy"), (500, "reminder.failed"), (503, "reminder.failed")])
def test_every_failure_is_answered_calmly_and_nothing_is_half_done(skill, api, status, key):
    talk = Conversation(skill)
    ask(talk, api["url"], time="22:00")
    api["fail"] = status
    for slots in ({"time": "21:00"}, {"reminder": "cancel"}):
        response = ask(talk, api["url"], **slots)
        assert keys(response) == [key] and response["response"]["shouldEndSession"] is True
    api["fail"] = None
    assert keys(ask(talk, api["url"], reminder="cancel")) == ["reminder.cancelled"]  # still known: kept
    api["fail"] = status
    assert keys(ask(talk, api["url"], time="22:00")) == [key]
    api["fail"] = None
    assert keys(ask(talk, api["url"], reminder="cancel")) == ["reminder.none"]  # a failed create keeps nothing


def test_a_reminder_deleted_in_the_app(skill, api):
    talk = Conversation(skill)
    ask(talk, api["url"], time="22:00")
    api["reminders"].clear()
    assert keys(ask(talk, api["url"], time="21:00")) == ["reminder.gone"]
    assert keys(ask(talk, api["url"], reminder="cancel")) == ["reminder.none"]


def test_a_slow_api_is_cut_off_within_the_bound(skill, api, monkeypatch):
    monkeypatch.setattr(alexa_api, "TIMEOUT", 0.3)
    talk = Conversation(skill)
    api["delay"] = 1.5
    started = time.perf_counter()
    response = ask(talk, api["url"], time="22:00")
    took = time.perf_counter() - started
    assert keys(response) == ["reminder.failed"] and took < alexa_api.TIMEOUT * 2 + 1.0 + 0.5
    api["delay"] = 0
    assert keys(ask(talk, api["url"], reminder="cancel")) == ["reminder.none"]


def test_the_client_refuses_plain_http_off_this_machine():
    from ask_sdk_model.services import ApiClientRequest

    with pytest.raises(alexa_api.ApiError):
        alexa_api.BoundedApiClient().invoke(ApiClientRequest(url="http://api.amazonalexa.com/v1", method="GET"))


def test_offered_once_after_a_bedtime_tip_never_mid_stretch(skill, api):
    talk = Conversation(skill)
    talk.say("BedtimeTipIntent")
    assert talk.keys[-1] == "reminder.offer" and not talk.ended
    talk.say("AMAZON.YesIntent")
    assert talk.keys == ["reminder.ask_time"] and not talk.ended
    talk.say("BedtimeTipIntent")
    assert "reminder.offer" not in talk.keys
    talk.say("GuidedStretchIntent", muscle="calf")
    assert keys(ask(talk, api["url"], time="22:00")) == ["reminder.later"] and api["calls"] == []


def test_the_mid_cramp_path_never_calls_the_api(skill, api):
    talk = Conversation(skill)
    ask(talk, api["url"], time="22:00")
    calls = len(api["calls"])
    talk.send(granted(intent("CrampNowIntent", muscle="calf"), api["url"]))
    assert len(api["calls"]) == calls


@pytest.mark.parametrize("said, meant", [("22:00", "22:00"), ("10:00", "22:00"), ("09:30", "21:30"), ("NI", "22:00"),
                                         ("EV", "21:00"), ("00:30", "00:30"), ("14:00", None), ("MO", None), ("x", None)])
def test_bedtime_times(said, meant):
    assert reminders.bedtime(said) == meant


def test_a_reminder_request_with_no_slots_at_all_asks_for_the_time(skill):
    envelope = intent("BedtimeReminderIntent")
    del envelope["request"]["intent"]["slots"]  # Alexa may leave the field out; the fuzzer found this
    assert keys(skill.respond(envelope))[0] == "reminder.ask_time"
