"""Proves that a request to the HTTPS endpoint came from Alexa, as Amazon requires of skills
hosted as web services: certificate URL, certificate chain, body signature and timestamp (the
skill id is checked for every door alike, in skill.invoke). Built on ``cryptography``'s X.509
verification; knows nothing of Flask."""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
import re
import ssl
import threading
import urllib.parse
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509 import verification

from skill.envelope import dig, parse_timestamp

MAX_SKEW_SECONDS = 150  # Amazon: request.timestamp within 150 s of now, either way (replay protection)
CERT_FETCH_TIMEOUT = 3.0  # seconds: Alexa waits 8 s for the whole answer
CERT_HOST = "s3.amazonaws.com"
CERT_PATH_PREFIX = "/echo.api/"
SIGNING_NAME = "echo-api.amazon.com"
_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)


class VerificationError(Exception):
    """A request to refuse (HTTP 400). ``reason`` is a short tag for logs and metrics: 'headers',
    'cert-url', 'cert-fetch', 'cert-chain', 'cert-san', 'cert-validity', 'signature', 'body',
    or 'timestamp'; the message adds detail for the log."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class _SigningKey:
    public_key: rsa.RSAPublicKey
    not_before: datetime
    not_after: datetime


class RequestVerifier:
    """One per app, shared by its threads; the key cache is the only state that changes."""

    def __init__(
        self,
        ca_bundle: Path | None = None,
        *,
        fetch_timeout: float = CERT_FETCH_TIMEOUT,
        clock: Callable[[], datetime] | None = None,
        session: requests.Session | None = None,
        max_skew_seconds: int = MAX_SKEW_SECONDS,
    ) -> None:
        self._fetch_timeout = fetch_timeout
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._session = session or requests.Session()
        self._max_skew = timedelta(seconds=max_skew_seconds)
        # Loaded here rather than per request, and eagerly so that a bad bundle stops the
        # server at start-up instead of turning every Alexa request into a 400.
        self._store = verification.Store(_load_roots(ca_bundle))
        self._keys: dict[str, _SigningKey] = {}
        self._lock = threading.Lock()

    def verify(self, headers: Mapping[str, str], body: bytes) -> dict:
        """Checks everything Amazon asks for and returns the parsed JSON body."""
        lowered = {name.lower(): value for name, value in headers.items()}
        url = lowered.get("signaturecertchainurl")
        # The SHA-1 "Signature" header alone is not enough: Amazon deprecated it.
        signature_b64 = lowered.get("signature-256")
        if not url or not signature_b64:
            raise VerificationError("headers", "SignatureCertChainUrl and Signature-256 are required")
        canonical_url = canonical_cert_url(url)
        try:
            signature = base64.b64decode(signature_b64, validate=True)
        except (binascii.Error, ValueError):
            raise VerificationError("signature", "Signature-256 is not base64") from None

        now = self._clock()
        now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
        key = self._signing_key(canonical_url, now)
        try:
            key.public_key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise VerificationError("signature", "body does not match Signature-256") from None

        # Parsed only after the signature holds, so unsigned junk never reaches the parser.
        try:
            envelope = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise VerificationError("body", f"not JSON: {error}") from None
        if not isinstance(envelope, dict):
            raise VerificationError("body", "not a JSON object")
        self._check_timestamp(envelope, now)
        return envelope

    def _signing_key(self, url: str, now: datetime) -> _SigningKey:
        key = self._keys.get(url)
        if key is None or now > key.not_after:
            # Fetched outside the lock so one slow download never stalls requests that hit the
            # cache; two threads racing on a cold URL just both fetch, which is harmless.
            key = self._verified_key(self._fetch(url), now)
            with self._lock:
                self._keys[url] = key
        # The chain was checked once when cached; the leaf's dates still need checking on
        # every request, and a clock that moved backwards is caught here too.
        if not key.not_before <= now <= key.not_after:
            raise VerificationError("cert-validity", "signing certificate is not valid now")
        return key

    def _fetch(self, url: str) -> bytes:
        try:
            # No redirects: the URL rules are about where the chain comes from.
            response = self._session.get(url, timeout=self._fetch_timeout, allow_redirects=False)
        except requests.RequestException as error:
            raise VerificationError("cert-fetch", f"{url}: {error}") from None
        if response.status_code != 200:
            raise VerificationError("cert-fetch", f"{url}: HTTP {response.status_code}")
        return response.content

    def _verified_key(self, pem: bytes, now: datetime) -> _SigningKey:
        try:
            certs = x509.load_pem_x509_certificates(pem)
        except ValueError as error:
            raise VerificationError("cert-chain", f"unreadable PEM: {error}") from None
        leaf, intermediates = certs[0], certs[1:]
        # Dates and SAN are checked first only to give a precise reason; the verifier below
        # checks both again along with the path to a trusted root.
        if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
            raise VerificationError("cert-validity", "signing certificate is not valid now")
        if SIGNING_NAME not in _dns_names(leaf):
            raise VerificationError("cert-san", f"{SIGNING_NAME} is not in the SubjectAltName")
        # webpki defaults, unrelaxed: Amazon's current chain (echo-api.amazon.com <- Amazon RSA
        # 2048 M01 <- Amazon Root CA 1) passes them as is, so loosening would only let more
        # malformed chains through. Relax here only for a real Amazon chain that fails.
        policy = verification.PolicyBuilder().store(self._store).time(now)
        verifier = policy.build_server_verifier(x509.DNSName(SIGNING_NAME))
        try:
            verifier.verify(leaf, intermediates)
        except (verification.VerificationError, ValueError) as error:
            raise VerificationError("cert-chain", str(error)) from None
        public_key = leaf.public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise VerificationError("cert-chain", "signing key is not RSA")
        return _SigningKey(public_key, leaf.not_valid_before_utc, leaf.not_valid_after_utc)

    def _check_timestamp(self, envelope: dict, now: datetime) -> None:
        raw = dig(envelope, "request", "timestamp")
        stamp = parse_timestamp(raw)
        if stamp is None:
            raise VerificationError("timestamp", f"missing or unreadable request.timestamp {raw!r}")
        if abs(now - stamp) > self._max_skew:
            raise VerificationError("timestamp", f"{stamp.isoformat()} is too far from {now.isoformat()}")


def canonical_cert_url(url: str) -> str:
    """Applies Amazon's SignatureCertChainUrl rules; returns the URL to fetch and cache under.

    It is rebuilt from the checked parts so that no other parser (requests, a proxy) can read
    the header as another host or path, and so spellings such as ``HTTPS://S3...:443/`` share
    one cache entry."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise VerificationError("cert-url", f"unparseable {url!r}") from None
    # Amazon never sends user info, and it is a classic way to make parsers disagree on the host.
    if parts.scheme.lower() != "https" or parts.username is not None or parts.password is not None:
        raise VerificationError("cert-url", f"not a plain https URL: {url!r}")
    if (parts.hostname or "").lower() != CERT_HOST or port not in (None, 443):
        raise VerificationError("cert-url", f"not {CERT_HOST}:443: {url!r}")
    path = posixpath.normpath(parts.path) if parts.path else ""
    if not path.startswith(CERT_PATH_PREFIX):
        raise VerificationError("cert-url", f"path is not under {CERT_PATH_PREFIX}: {url!r}")
    return f"https://{CERT_HOST}{path}"


def _load_roots(ca_bundle: Path | str | None) -> list[x509.Certificate]:
    path = Path(ca_bundle) if ca_bundle is not None else _system_bundle()
    roots = []
    # One certificate at a time: system bundles hold a few odd old roots (a serial number that
    # is not positive, say) that cryptography warns about today and may refuse later; one of those
    # must not take every other root down with it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        for block in _PEM_CERT.findall(path.read_bytes()):
            try:
                roots.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                continue
    if not roots:
        raise ValueError(f"no usable certificates in CA bundle {path}")
    return roots


def _system_bundle() -> Path:
    cafile = ssl.get_default_verify_paths().cafile
    if cafile and Path(cafile).is_file():
        return Path(cafile)
    try:
        import certifi  # optional: only needed where the OS has no bundle (slim images, macOS)
    except ImportError:
        raise ValueError("no system CA bundle found and certifi is not installed") from None
    return Path(certifi.where())


def _dns_names(cert: x509.Certificate) -> set[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return set()
    return {name.lower() for name in san.get_values_for_type(x509.DNSName)}
