"""A throwaway PKI standing in for Amazon's: root CA -> intermediate -> echo-api.amazon.com leaf,
plus broken variants, and helpers to sign request bodies and serve the chains at the HTTP
boundary with ``responses``. Shared by the verification and Flask tests."""

from __future__ import annotations

import base64
import functools
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import responses
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SIGNING_NAME = "echo-api.amazon.com"
SKILL_ID = "amzn1.ask.skill.test-cramp-coach"
CERT_URL_BASE = "https://s3.amazonaws.com/echo.api/"
CERT_URL = CERT_URL_BASE + "echo-api-cert-test.pem"
VARIANTS = ("expired", "not-yet-valid", "wrong-san", "self-signed")


@functools.cache
def _key(slot: str) -> rsa.RSAPrivateKey:
    # RSA generation dominates the cost of building a PKI; one key per role per process is plenty.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _cert(subject: str, key, issuer: str, issuer_key, not_before: datetime, not_after: datetime,
          *, ca: bool, san: str | None = None) -> x509.Certificate:
    """A certificate shaped like a public web PKI one, so the webpki policy judges it on merit."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca and issuer != subject else None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_encipherment=not ca, key_cert_sign=ca, crl_sign=ca,
            content_commitment=False, data_encipherment=False, key_agreement=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    if san is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(*certs: x509.Certificate) -> bytes:
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certs)


@dataclass(frozen=True)
class PKI:
    """What tests need: ``ca_bundle`` (the root as a PEM file) to trust, ``chain_url`` and
    ``chain_pem`` to serve, ``leaf_key`` to sign with, ``other_key`` to sign wrongly with."""

    now: datetime
    ca_bundle: Path
    chain_url: str
    chain_pem: bytes
    root: x509.Certificate
    leaf: x509.Certificate
    leaf_key: rsa.RSAPrivateKey
    other_key: rsa.RSAPrivateKey
    variants: dict[str, bytes] = field(default_factory=dict)

    def url_for(self, variant: str) -> str:
        return f"{CERT_URL_BASE}{variant}.pem"

    def serve(self, mock: responses.RequestsMock, variant: str | None = None, **kwargs: Any) -> str:
        """Serves the good chain (or a variant) as Amazon's S3 would; ``kwargs`` override the
        response (``status=404``, ``body=requests.ConnectTimeout()``). Returns the URL."""
        url = self.chain_url if variant is None else self.url_for(variant)
        kwargs.setdefault("body", self.chain_pem if variant is None else self.variants[variant])
        mock.get(url, content_type="application/x-pem-file", **kwargs)
        return url


def make_pki(directory: Path, now: datetime | None = None, *, name: str = "Cramp Coach Test") -> PKI:
    """Builds the PKI around ``now`` (default: the real time, for tests that do not inject a
    clock) and writes the root to ``directory/alexa-test-root.pem``. A different ``name`` gives
    an unrelated PKI with its own keys, e.g. a rogue CA."""
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    root_key, intermediate_key = _key(f"{name} root"), _key(f"{name} intermediate")
    leaf_key = _key(f"{name} leaf")
    root_name, intermediate_name = f"{name} Root", f"{name} Intermediate"
    root = _cert(root_name, root_key, root_name, root_key,
                 now - timedelta(days=3650), now + timedelta(days=3650), ca=True)
    intermediate = _cert(intermediate_name, intermediate_key, root_name, root_key,
                         now - timedelta(days=1825), now + timedelta(days=1825), ca=True)

    def leaf(not_before: datetime, not_after: datetime, san: str = SIGNING_NAME) -> x509.Certificate:
        return _cert(SIGNING_NAME, leaf_key, intermediate_name, intermediate_key,
                     not_before, not_after, ca=False, san=san)

    good = leaf(now - timedelta(days=30), now + timedelta(days=60))
    # Same name and SAN as the real thing, but vouched for by nobody in the trust store.
    self_signed = _cert(SIGNING_NAME, leaf_key, SIGNING_NAME, leaf_key,
                        now - timedelta(days=30), now + timedelta(days=60), ca=False, san=SIGNING_NAME)
    variants = {
        "expired": _pem(leaf(now - timedelta(days=90), now - timedelta(days=1)), intermediate),
        "not-yet-valid": _pem(leaf(now + timedelta(days=1), now + timedelta(days=90)), intermediate),
        "wrong-san": _pem(leaf(now - timedelta(days=30), now + timedelta(days=60), san="echo-api.example.com"), intermediate),
        "self-signed": _pem(self_signed),
    }
    directory.mkdir(parents=True, exist_ok=True)
    ca_bundle = directory / "alexa-test-root.pem"
    ca_bundle.write_bytes(_pem(root))
    return PKI(now=now, ca_bundle=ca_bundle, chain_url=CERT_URL, chain_pem=_pem(good, intermediate),
               root=root, leaf=good, leaf_key=leaf_key, other_key=_key(f"{name} other"), variants=variants)


def sign(key: rsa.RSAPrivateKey, body: bytes, algorithm: hashes.HashAlgorithm | None = None) -> str:
    signature = key.sign(body, padding.PKCS1v15(), algorithm or hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def signed_headers(pki: PKI, body: bytes, *, url: str | None = None, key: rsa.RSAPrivateKey | None = None,
                   legacy_only: bool = False) -> dict[str, str]:
    """Headers as Alexa sends them for ``body``. ``legacy_only`` sends just the deprecated
    SHA-1 ``Signature`` header, which a verifier must refuse."""
    key = key or pki.leaf_key
    headers = {"SignatureCertChainUrl": url or pki.chain_url, "Content-Type": "application/json"}
    if legacy_only:
        headers["Signature"] = sign(key, body, hashes.SHA1())
    else:
        headers["Signature-256"] = sign(key, body)
    return headers


def request_body(now: datetime, *, application_id: str | None = SKILL_ID, timestamp: Any = None,
                 request: dict[str, Any] | None = None) -> bytes:
    """A minimal LaunchRequest envelope (or ``request`` merged in) stamped at ``now``."""
    application = {} if application_id is None else {"applicationId": application_id}
    envelope = {
        "version": "1.0",
        "session": {"new": True, "sessionId": "amzn1.echo-api.session.test", "application": application,
                    "user": {"userId": "amzn1.ask.account.TESTUSER"}},
        "context": {"System": {"application": application, "user": {"userId": "amzn1.ask.account.TESTUSER"},
                               "device": {"deviceId": "amzn1.ask.device.TESTDEVICE", "supportedInterfaces": {}}}},
        "request": {"type": "LaunchRequest", "requestId": "amzn1.echo-api.request.test", "locale": "en-US",
                    "timestamp": timestamp if timestamp is not None else now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    **(request or {})},
    }
    return json.dumps(envelope).encode("utf-8")
