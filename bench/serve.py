"""Bench-only server launcher: the production app under the production runner
(skill.http.server.run, gunicorn gthread), in one of three modes:

  verify    create_app(Settings(verify=True, ca_bundle=<test root>, skill_id=...)) with the
            verifier's HTTP session answering the cert-chain URL from a local PEM file, so the
            real fetch/verify code runs and nothing leaves the machine
  noverify  create_app(Settings(verify=False, skill_id=...))
  floor     a bare Flask app that parses the JSON body and echoes it: the floor

How the verifier gets its session: create_app keeps the RequestVerifier only as a local
variable captured by the /alexa view's closure (no attribute, no app.extensions entry), so it
cannot be reached by a supported route after the app is built. This launcher therefore uses the
verifier's own public constructor argument, ``RequestVerifier(..., session=...)``: while
create_app runs, ``skill.http.verify.RequestVerifier`` is replaced by a partial that passes our
session (create_app imports the class from that module at call time). It then checks, through
the view's closure, that the verifier really holds that session, and refuses to serve if not.
A supported hook in skill/http/app.py would remove the patch, e.g. ``create_app(settings, *,
verifier=None)`` or ``app.extensions["cramp_coach.verifier"] = verifier``.

The session's transport adapter serves only the configured chain URL; every other URL, and any
http(s) scheme at all, is answered 404 locally: this session can never reach the network.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import logging
import os
import sys
import threading
from pathlib import Path

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

log = logging.getLogger("bench.serve")


class LocalChainAdapter(BaseAdapter):
    """A requests transport that answers from a dict of URL -> bytes and counts fetches."""

    def __init__(self, files: dict[str, bytes]):
        super().__init__()
        self.files = files
        self.fetches = 0
        self._lock = threading.Lock()

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        with self._lock:
            self.fetches += 1
        body = self.files.get(request.url)
        response = requests.Response()
        response.status_code = 200 if body is not None else 404
        response.reason = "OK" if body is not None else "Not Found"
        response.headers = CaseInsensitiveDict({"Content-Type": "application/x-pem-file"})
        response.raw = io.BytesIO(body or b"")
        response.url = request.url
        response.request = request
        response.encoding = None
        log.warning("cert-chain fetch %s -> %d (served locally)", request.url, response.status_code)
        return response

    def close(self):
        pass


def local_session(chain_url: str, chain_pem: bytes) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxies from the environment
    adapter = LocalChainAdapter({chain_url: chain_pem})
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def verifier_in(app):
    """The RequestVerifier captured by the /alexa view, or None: the only place create_app keeps it."""
    from skill.http.verify import RequestVerifier

    for cell in app.view_functions["alexa"].__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if isinstance(value, RequestVerifier):
            return value
    return None


def build_verified(pki_dir: Path, skill_id: str, data_dir: Path):
    from skill.http import verify
    from skill.http.app import create_app
    from skill.config import Settings

    meta = json.loads((pki_dir / "chain.json").read_text())
    session = local_session(meta["url"], (pki_dir / "chain.pem").read_bytes())
    settings = Settings(verify=True, ca_bundle=pki_dir / "alexa-test-root.pem", skill_id=skill_id,
                        **embedded(data_dir))
    real = verify.RequestVerifier
    verify.RequestVerifier = functools.partial(real, session=session)
    try:
        app = create_app(settings)
    finally:
        verify.RequestVerifier = real
    found = verifier_in(app)
    if found is None or found._session is not session:
        raise SystemExit("bench/serve.py: could not give the verifier a local session; refusing to "
                         "serve (it would fetch the chain from the internet)")
    return app


def build_floor():
    from flask import Flask, jsonify, request

    app = Flask("bench_floor")
    app.config["MAX_CONTENT_LENGTH"] = 128 * 1024

    @app.post("/alexa")
    def echo():
        return jsonify(json.loads(request.get_data(cache=False)))

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    return app


def embedded(data_dir: Path) -> dict:
    """The embedded defaults (SQLite memory, the audio folder), in the bench's own directory."""
    return {"store": f"sqlite:///{data_dir / 'memory.sqlite3'}", "audio_dir": data_dir / "audio"}


def build(mode: str, pki_dir: Path | None, skill_id: str, data_dir: Path):
    if mode == "verify":
        return build_verified(pki_dir, skill_id, data_dir)
    if mode == "noverify":
        from skill.http.app import create_app
        from skill.config import Settings

        return create_app(Settings(verify=False, skill_id=skill_id, **embedded(data_dir)))
    return build_floor()


def main() -> int:
    parser = argparse.ArgumentParser(description="bench-only server launcher (see module docstring)")
    parser.add_argument("mode", choices=("verify", "noverify", "floor"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--pki-dir", type=Path, help="holds alexa-test-root.pem, chain.pem, chain.json")
    parser.add_argument("--skill-id", default="amzn1.ask.skill.test-cramp-coach")
    parser.add_argument("--data-dir", type=Path, required=True, help="where the memory store goes")
    args = parser.parse_args()
    if args.mode == "verify" and args.pki_dir is None:
        parser.error("verify needs --pki-dir")
    if os.environ.get("BENCH_SWITCH_INTERVAL"):  # diagnostic variation used by bench/profiling.py tail
        sys.setswitchinterval(float(os.environ["BENCH_SWITCH_INTERVAL"]))
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s")
    app = build(args.mode, args.pki_dir, args.skill_id, args.data_dir)
    from skill.http.server import run

    return run(app, host="127.0.0.1", port=args.port, workers=args.workers, threads=args.threads)


if __name__ == "__main__":
    sys.exit(main())
