"""The HTTP client ask-sdk's service clients call Alexa's APIs through (the Reminders API): the
SDK's ApiClient interface, with a hard timeout on every call.

ask-sdk's DefaultApiClient sets no timeout; a skill must answer within 8 s, so every call here
gives up after TIMEOUT seconds. HTTPS only, except to this machine (tests point the request's
apiEndpoint at a loopback fake).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import urlsplit

from ask_sdk_model.services import ApiClient, ApiClientResponse

TIMEOUT = 2.0  # seconds, connect and read: one call, no retry
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class ApiError(Exception):
    pass


class BoundedApiClient(ApiClient):
    def __init__(self, timeout: float | None = None):
        self.timeout = timeout  # None: TIMEOUT

    def invoke(self, request):
        parts = urlsplit(request.url or "")
        if not (parts.scheme == "https" or parts.scheme == "http" and parts.hostname in LOOPBACK):
            raise ApiError(f"refusing a call to {parts.scheme}://{parts.hostname}")
        body = request.body
        data = body.encode() if isinstance(body, str) else None
        if body is not None and data is None:
            import json

            data = json.dumps(body).encode()
        call = urllib.request.Request(request.url, data=data, method=request.method,
                                      headers=dict(request.headers or []))
        try:
            with urllib.request.urlopen(call, timeout=self.timeout or TIMEOUT) as answer:
                status, headers, text = answer.status, list(answer.headers.items()), answer.read().decode()
        except urllib.error.HTTPError as failed:
            status, headers = failed.code, list(failed.headers.items())
            text = failed.read().decode(errors="replace")
        except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections
            raise ApiError(f"{request.method} {parts.path}: {exc}") from exc
        return ApiClientResponse(headers=headers, status_code=status, body=text)
