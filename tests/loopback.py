"""Real servers on 127.0.0.1 for the tests: a free port, a small HTTP server in a thread, and the
Alexa Settings API answering time-zone lookups as the devices named below would."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` served on a free loopback port; yields its base URL (http://127.0.0.1:PORT)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def send_json(handler: BaseHTTPRequestHandler, status: int, body: str) -> None:
    """Answer ``handler``'s request with ``body`` as JSON (a client that stopped waiting is fine)."""
    data = body.encode()
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
    except OSError:
        pass  # the client stopped waiting, as it should


TOKEN = "settings-token"
ANSWERS = {  # device id -> (status, body, delay in seconds)
    "london": (200, '"Europe/London"', 0),
    "tokyo": (200, '"Asia/Tokyo"', 0),
    "slow": (200, '"Europe/Paris"', 0.6),
    "broken": (500, '{"message": "oops"}', 0),
    "garbage": (200, "<html>not json", 0),
    "mars": (200, '"Mars/Olympus_Mons"', 0),
    "path": (200, '"../../etc/passwd"', 0),
    "number": (200, "42", 0),
}


class SettingsApi(BaseHTTPRequestHandler):
    """GET /v2/devices/{id}/settings/System.timeZone with ``Bearer TOKEN``, as ANSWERS say."""

    calls: list[str]

    def do_GET(self):
        parts = self.path.split("/")  # /v2/devices/{id}/settings/System.timeZone
        device = parts[3] if len(parts) == 6 and parts[4:] == ["settings", "System.timeZone"] else None
        self.calls.append(device)
        status, body, delay = ANSWERS.get(device, (404, "{}", 0))
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            status, body = 401, "{}"
        time.sleep(delay)
        send_json(self, status, body)

    def log_message(self, *args):
        pass


CLI = shutil.which("cramp-coach", path=str(Path(sys.executable).parent)) or "cramp-coach"


@contextlib.contextmanager
def cli_server(*args: str, ready: Callable[[int], bool], timeout: float = 60) -> Iterator[int]:
    """``cramp-coach ARGS --port P`` as a real subprocess on a free loopback port; yields P once
    ``ready(P)`` holds, and stops the process by its PID afterwards."""
    port = free_port()
    process = subprocess.Popen([CLI, *args, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "CRAMP_COACH_STORE": "none"})
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                if ready(port):
                    break
            except OSError:
                pass
            assert process.poll() is None, process.stderr.read().decode(errors="replace")
            assert time.monotonic() < deadline, f"cramp-coach {' '.join(args)} did not start"
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
