"""The Flask app over HTTP: the test client for each rule, and the real server on loopback."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

import pytest
import responses

from skill.http.app import MAX_BODY_BYTES, create_app
from skill.config import Settings
from tests import fixtures
from tests.loopback import free_port
from tests.envelopes import intent, keys, load
from tests.pki import make_pki, request_body, signed_headers


def post(client, payload, **kwargs):
    data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.post("/alexa", data=data, content_type="application/json", **kwargs)


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_launch_over_http(client):
    response = post(client, load(fixtures.LAUNCH))
    assert response.status_code == 200
    assert keys(response.json)[0] == "relief.calf"


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_wrong_method_is_405_json(client, method):
    response = getattr(client, method)("/alexa")
    assert response.status_code == 405 and response.json["error"] == "method-not-allowed"


def test_unknown_path_is_404_json(client):
    assert client.get("/nope").json["error"] == "not-found"


def test_body_over_128_kb_is_413(client):
    envelope = intent("AMAZON.HelpIntent")
    envelope["padding"] = "x" * MAX_BODY_BYTES
    response = post(client, envelope)
    assert response.status_code == 413 and response.json["error"] == "request-entity-too-large"


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"version": "1.0"}', b"", b"\xff\xfe"])
def test_malformed_body_is_400(client, body):
    response = post(client, body)
    assert response.status_code == 400 and response.json["error"] == "body"


def test_unreadable_envelope_is_400(client):
    envelope = intent("AMAZON.HelpIntent")
    envelope["request"]["timestamp"] = {"not": "a date"}
    assert post(client, envelope).status_code == 400


def test_wrong_skill_id_is_400_even_without_verification(client):
    envelope = intent("AMAZON.HelpIntent")
    envelope["context"]["System"]["application"]["applicationId"] = "amzn1.ask.skill.other"
    response = post(client, envelope)
    assert response.status_code == 400 and response.json["error"] == "skill-id"


def test_no_verify_warns_loudly(caplog):
    create_app(Settings(verify=False))
    assert any("VERIFICATION IS OFF" in r.message and r.levelname == "WARNING" for r in caplog.records)


# --- with verification on: a throwaway PKI, Amazon's cert host intercepted at the HTTP boundary


@pytest.fixture
def pki(tmp_path):
    return make_pki(tmp_path, datetime.now(timezone.utc))


@pytest.fixture
def verified_client(pki):
    app = create_app(Settings(skill_id=fixtures.SKILL_ID, verify=True, ca_bundle=pki.ca_bundle),
                     rng=random.Random(1))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        pki.serve(mock)
        yield app.test_client()


def test_signed_request_is_answered(verified_client, pki):
    body = request_body(pki.now)
    response = post(verified_client, body, headers=signed_headers(pki, body))
    assert response.status_code == 200 and keys(response.json)[0] == "relief.calf"


@pytest.mark.parametrize("case", ["tampered", "unsigned", "sha1-only", "other-key", "stale", "other-skill"])
def test_failed_verification_is_400_json(verified_client, pki, case):
    body = request_body(pki.now)
    headers = signed_headers(pki, body, key=pki.other_key if case == "other-key" else None,
                             legacy_only=case == "sha1-only")
    if case == "tampered":
        body = body.replace(b"LaunchRequest", b"IntentRequest")
    if case == "unsigned":
        headers = {}
    if case in ("stale", "other-skill"):
        body = request_body(pki.now, timestamp="2020-01-01T00:00:00Z" if case == "stale" else None,
                            application_id="amzn1.ask.skill.other" if case == "other-skill" else fixtures.SKILL_ID)
        headers = signed_headers(pki, body)
    response = post(verified_client, body, headers=headers)
    assert response.status_code == 400 and response.json["error"]


# --- the real server, as users and Alexa reach it ---------------------------------------------


@pytest.fixture(scope="module")
def server():
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRAMP_COACH_")}
    proc = subprocess.Popen([sys.executable, "-m", "skill.cli", "serve", "--no-verify", "--port", str(port),
                             "--workers", "1"], env=env, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1)
            break
        except OSError:
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.1)
    yield url, proc
    os.killpg(proc.pid, 15)
    proc.wait(timeout=10)


def test_real_server_answers_alexa(server):
    url, _ = server
    request = urllib.request.Request(url + "/alexa", data=json.dumps(load(fixtures.LAUNCH)).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
        assert keys(json.load(response))[0] == "relief.calf"


def test_real_server_rejects_bad_json_with_400(server):
    url, _ = server
    request = urllib.request.Request(url + "/alexa", data=b"{", headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 400 and json.load(caught.value)["error"] == "body"


def test_cli_check_reports_content():
    result = subprocess.run([sys.executable, "-m", "skill.cli", "check"], capture_output=True, text=True)
    assert result.returncode == 0 and "en-US: ok" in result.stdout


def test_cli_rejects_bad_settings_clearly():
    env = {**os.environ, "CRAMP_COACH_VERIFY": "maybe"}
    result = subprocess.run([sys.executable, "-m", "skill.cli", "serve"], capture_output=True, text=True, env=env)
    assert result.returncode == 2 and "CRAMP_COACH_VERIFY must be true or false" in result.stderr
