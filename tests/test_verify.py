"""Alexa request verification against a throwaway PKI. Amazon's certificate host is the only
thing replaced: ``responses`` answers at the HTTP boundary, so requests and cryptography run."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
import responses

from skill.http.verify import RequestVerifier, VerificationError, canonical_cert_url
from tests.pki import CERT_URL, SKILL_ID, make_pki, request_body, signed_headers

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def pki(tmp_path):
    return make_pki(tmp_path, now=NOW)


@pytest.fixture
def clock():
    return Clock(NOW)


@pytest.fixture
def verifier(pki, clock):
    return RequestVerifier(pki.ca_bundle, clock=clock)


@pytest.fixture
def s3():
    # assert_all_requests_are_fired off: rejected URLs register nothing, cached ones fire once.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def rejects(verifier, headers, body) -> str:
    with pytest.raises(VerificationError) as caught:
        verifier.verify(headers, body)
    return caught.value.reason


def test_valid_request_returns_the_envelope(pki, verifier, s3):
    pki.serve(s3)
    body = request_body(NOW)
    envelope = verifier.verify(signed_headers(pki, body), body)
    assert envelope["request"]["type"] == "LaunchRequest"
    assert envelope["context"]["System"]["application"]["applicationId"] == SKILL_ID


def test_header_names_are_case_insensitive(pki, verifier, s3):
    pki.serve(s3)
    body = request_body(NOW)
    headers = {name.lower(): value for name, value in signed_headers(pki, body).items()}
    assert verifier.verify(headers, body)["version"] == "1.0"


def test_tampered_body_is_rejected(pki, verifier, s3):
    pki.serve(s3)
    body = request_body(NOW)
    headers = signed_headers(pki, body)
    assert rejects(verifier, headers, body.replace(b"LaunchRequest", b"IntentRequest")) == "signature"


def test_signature_by_another_key_is_rejected(pki, verifier, s3):
    pki.serve(s3)
    body = request_body(NOW)
    assert rejects(verifier, signed_headers(pki, body, key=pki.other_key), body) == "signature"


def test_signature_that_is_not_base64_is_rejected(pki, verifier, s3):
    pki.serve(s3)
    body = request_body(NOW)
    headers = {**signed_headers(pki, body), "Signature-256": "not base64!"}
    assert rejects(verifier, headers, body) == "signature"


@pytest.mark.parametrize("url", [
    "http://s3.amazonaws.com/echo.api/echo-api-cert-test.pem",
    "https://notamazon.com/echo.api/echo-api-cert-test.pem",
    "https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert-test.pem",
    "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert-test.pem",
    "https://s3.amazonaws.com/invalid.path/echo-api-cert-test.pem",
    "https://s3.amazonaws.com/echo.api/../invalid.pem",
    "https://s3.amazonaws.com:8443/echo.api/echo-api-cert-test.pem",
    "https://user@s3.amazonaws.com/echo.api/echo-api-cert-test.pem",
    "https://s3.amazonaws.com:notaport/echo.api/echo-api-cert-test.pem",
])
def test_certificate_url_rules_reject(pki, verifier, s3, url):
    body = request_body(NOW)
    assert rejects(verifier, signed_headers(pki, body, url=url), body) == "cert-url"
    assert not s3.calls  # refused before anything is downloaded


@pytest.mark.parametrize("url", [
    "HTTPS://S3.AMAZONAWS.COM/echo.api/echo-api-cert-test.pem",
    "https://s3.amazonaws.com:443/echo.api/echo-api-cert-test.pem",
    "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert-test.pem",
])
def test_certificate_url_rules_accept(pki, verifier, s3, url):
    pki.serve(s3)
    body = request_body(NOW)
    assert verifier.verify(signed_headers(pki, body, url=url), body)
    # Every spelling is fetched from the one canonical URL.
    assert [call.request.url for call in s3.calls] == [CERT_URL]


def test_canonical_url_is_what_gets_fetched():
    assert canonical_cert_url("HTTPS://S3.AmazonAWS.com:443/echo.api/./a/../cert.pem?x=1") == \
        "https://s3.amazonaws.com/echo.api/cert.pem"


@pytest.mark.parametrize(("variant", "reason"), [
    ("expired", "cert-validity"),
    ("not-yet-valid", "cert-validity"),
    ("wrong-san", "cert-san"),
    ("self-signed", "cert-chain"),
])
def test_bad_certificates_are_rejected(pki, verifier, s3, variant, reason):
    url = pki.serve(s3, variant)
    body = request_body(NOW)
    assert rejects(verifier, signed_headers(pki, body, url=url), body) == reason


def test_chain_to_a_root_we_do_not_trust_is_rejected(pki, clock, s3, tmp_path):
    # A complete, well-formed chain with the right SAN, from a CA that is not in our store.
    rogue = make_pki(tmp_path / "rogue", now=NOW, name="Rogue")
    s3.get(CERT_URL, body=rogue.chain_pem)
    body = request_body(NOW)
    assert rejects(RequestVerifier(pki.ca_bundle, clock=clock), signed_headers(rogue, body), body) == "cert-chain"
    # The same chain passes once its root is trusted, so the refusal was about trust alone.
    assert RequestVerifier(rogue.ca_bundle, clock=clock).verify(signed_headers(rogue, body), body)


def test_unreadable_chain_is_rejected(pki, verifier, s3):
    s3.get(CERT_URL, body=b"<Error><Code>AccessDenied</Code></Error>")
    body = request_body(NOW)
    assert rejects(verifier, signed_headers(pki, body), body) == "cert-chain"


@pytest.mark.parametrize(("age", "ok"), [(149, True), (150, True), (151, False), (-149, True), (-151, False)])
def test_timestamp_must_be_within_150_seconds(pki, verifier, s3, age, ok):
    pki.serve(s3)
    body = request_body(NOW - timedelta(seconds=age))
    if ok:
        assert verifier.verify(signed_headers(pki, body), body)
    else:
        assert rejects(verifier, signed_headers(pki, body), body) == "timestamp"


@pytest.mark.parametrize(("timestamp", "ok"), [
    (int(NOW.timestamp() * 1000) - 10_000, True),
    (str(int(NOW.timestamp() * 1000)), True),
    ("2026-11-24T03:00:00.250Z", True),
    ("2026-11-24T03:00:00+00:00", True),
    (int(NOW.timestamp() * 1000) - 151_000, False),
    ("yesterday", False),
    (True, False),
    ([], False),
])
def test_timestamp_formats(pki, verifier, s3, timestamp, ok):
    pki.serve(s3)
    body = request_body(NOW, timestamp=timestamp)
    if ok:
        assert verifier.verify(signed_headers(pki, body), body)
    else:
        assert rejects(verifier, signed_headers(pki, body), body) == "timestamp"


def test_missing_timestamp_is_rejected(pki, verifier, s3):
    pki.serve(s3)
    body = b'{"version": "1.0", "request": {"type": "LaunchRequest"}}'
    assert rejects(verifier, signed_headers(pki, body), body) == "timestamp"


def test_the_verifier_leaves_the_skill_id_to_the_skill(pki, clock, s3):
    """One rule for every door: skill.invoke checks the skill id (tests/test_envelope.py)."""
    pki.serve(s3)
    verifier = RequestVerifier(pki.ca_bundle, clock=clock)
    body = request_body(NOW, application_id="amzn1.ask.skill.anyone")
    assert verifier.verify(signed_headers(pki, body), body)


def test_sha1_signature_alone_is_rejected(pki, verifier, s3):
    pki.serve(s3)
    body = request_body(NOW)
    assert rejects(verifier, signed_headers(pki, body, legacy_only=True), body) == "headers"
    assert not s3.calls


@pytest.mark.parametrize("missing", ["SignatureCertChainUrl", "Signature-256"])
def test_missing_headers_are_rejected(pki, verifier, s3, missing):
    body = request_body(NOW)
    headers = signed_headers(pki, body)
    del headers[missing]
    assert rejects(verifier, headers, body) == "headers"
    assert rejects(verifier, {}, body) == "headers"


@pytest.mark.parametrize("failure", [
    {"status": 404, "body": b"Not Found"},
    {"status": 500, "body": b""},
    {"status": 302, "body": b"", "headers": {"Location": CERT_URL}},
    {"body": requests.ConnectTimeout("connect timed out")},
    {"body": requests.ConnectionError("connection refused")},
], ids=["404", "500", "redirect", "timeout", "connection-error"])
def test_certificate_fetch_failures_are_rejected(pki, verifier, s3, failure):
    pki.serve(s3, **failure)
    body = request_body(NOW)
    assert rejects(verifier, signed_headers(pki, body), body) == "cert-fetch"


def test_fetch_uses_the_timeout(pki, clock, s3):
    pki.serve(s3)
    verifier = RequestVerifier(pki.ca_bundle, clock=clock, fetch_timeout=1.5)
    body = request_body(NOW)
    verifier.verify(signed_headers(pki, body), body)
    assert s3.calls[0].request.req_kwargs["timeout"] == 1.5


def test_failed_fetch_is_not_cached(pki, verifier, s3):
    s3.get(CERT_URL, status=503)
    body = request_body(NOW)
    assert rejects(verifier, signed_headers(pki, body), body) == "cert-fetch"
    s3.replace(responses.GET, CERT_URL, body=pki.chain_pem)
    assert verifier.verify(signed_headers(pki, body), body)


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b"[1, 2, 3]", b""])
def test_malformed_body_is_rejected(pki, verifier, s3, body):
    pki.serve(s3)
    assert rejects(verifier, signed_headers(pki, body), body) == "body"


def test_chain_is_fetched_once_and_cached(pki, verifier, s3, clock):
    pki.serve(s3)
    for step in range(3):
        clock.now = NOW + timedelta(seconds=step)
        body = request_body(clock.now)
        assert verifier.verify(signed_headers(pki, body), body)
    assert len(s3.calls) == 1


def test_cached_leaf_dates_are_checked_on_every_request(pki, verifier, s3, clock):
    pki.serve(s3)
    body = request_body(NOW)
    verifier.verify(signed_headers(pki, body), body)
    # A clock that steps back before notBefore must not be trusted just because the chain is cached.
    clock.now = pki.leaf.not_valid_before_utc - timedelta(seconds=1)
    body = request_body(clock.now)
    assert rejects(verifier, signed_headers(pki, body), body) == "cert-validity"
    assert len(s3.calls) == 1


def test_cache_entry_ends_when_the_leaf_expires(pki, verifier, s3, clock):
    pki.serve(s3)
    body = request_body(NOW)
    verifier.verify(signed_headers(pki, body), body)
    clock.now = pki.leaf.not_valid_after_utc + timedelta(seconds=1)
    body = request_body(clock.now)
    assert rejects(verifier, signed_headers(pki, body), body) == "cert-validity"
    assert len(s3.calls) == 2  # fetched again, in case Amazon replaced the chain at that URL


def test_bundle_without_certificates_is_refused_at_start(tmp_path):
    empty = tmp_path / "empty.pem"
    empty.write_text("no certificates here\n")
    with pytest.raises(ValueError):
        RequestVerifier(empty)


def test_system_bundle_is_the_default_and_does_not_trust_the_test_root(pki, clock, s3):
    pki.serve(s3)
    body = request_body(NOW)
    assert rejects(RequestVerifier(clock=clock), signed_headers(pki, body), body) == "cert-chain"
