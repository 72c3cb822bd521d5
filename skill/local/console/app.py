"""The console's Flask app: the page, its labels (from content), one JSON endpoint for turns,
and the audio pack's clips. Only for this computer: requests whose Host or Origin is not the
address it serves are refused (no DNS rebinding), and so are bodies over MAX_BODY_BYTES."""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from pathlib import Path

from flask import Flask, jsonify, request, send_from_directory
from werkzeug.exceptions import HTTPException

import content
from skill.config import Settings
from skill.local.cli import time_of_day
from skill.local.envelopes import Device
from skill.local.session import Conversation, local_skill
from speech import Speaker

STATIC = Path(__file__).resolve().parent / "static"
MAX_BODY_BYTES = 4 * 1024
MAX_CONVERSATIONS = 16  # browser tabs talking at once; the oldest is forgotten
ACTIONS = {"next": "AMAZON.NextIntent", "previous": "AMAZON.PreviousIntent", "repeat": "AMAZON.RepeatIntent"}
_CONVERSATION_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
       "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
log = logging.getLogger("cramp_coach.console")


def allowed_hosts(host: str, port: int) -> set[str]:
    names = {"127.0.0.1", "localhost"} if host in ("127.0.0.1", "localhost") else {host}
    return {f"{name}:{port}" for name in names}


class Conversations:
    """One conversation per page (the id the page made), each with its device settings."""

    def __init__(self, skill, settings: Settings):
        self.skill, self.settings = skill, settings
        self.items: OrderedDict[str, Conversation] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, locale: str, device: Device, at) -> Conversation:
        found = self.items.get(key)
        if found is None or (found.locale, found.device) != (locale, device):
            found = self.items[key] = Conversation(self.skill, self.settings, locale, device, at)
        elif found.clock.at != at:
            found.clock.set(at)
        self.items.move_to_end(key)
        while len(self.items) > MAX_CONVERSATIONS:
            self.items.popitem(last=False)
        return found


def create_console(settings: Settings, host: str = "127.0.0.1", port: int = 8090, rng=None) -> Flask:
    from skill.http.audio_route import audio_blueprint

    skill, settings = local_skill(settings, rng=rng)
    conversations = Conversations(skill, settings)
    hosts = allowed_hosts(host, port)
    origins = {f"http://{name}" for name in hosts}
    app = Flask("cramp_coach_console", static_folder=str(STATIC), static_url_path="/static")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.register_blueprint(audio_blueprint(settings.audio_path))

    @app.before_request
    def only_this_computer():
        if request.headers.get("Host") not in hosts:
            return refuse(403, "host")
        if "Origin" in request.headers and request.headers["Origin"] not in origins:
            return refuse(403, "origin")
        return None

    @app.after_request
    def headers(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.get("/")
    def page():
        return send_from_directory(STATIC, "index.html")

    @app.get("/api/labels")
    def labels():
        locale = request.args.get("locale") or content.DEFAULT_LOCALE
        if locale not in content.locales():
            return refuse(404, "locale")
        speaker = Speaker(content.load(locale))
        names = [key.removeprefix("console.") for key in speaker.content.phrases if key.startswith("console.")]
        return jsonify(lang=locale, locales=list(content.locales()), devices=[d.value for d in Device],
                       labels={name: speaker.say(f"console.{name}", 0).text for name in names})

    @app.post("/api/turn")
    def turn():
        asked = request.get_json(silent=True) if request.is_json else None
        if not isinstance(asked, dict):
            return refuse(400 if request.is_json else 415, "body")
        try:
            key = _conversation_id(asked.get("conversation"))
            locale = _choice(asked.get("locale", content.DEFAULT_LOCALE), content.locales())
            device = Device(_choice(asked.get("device", Device.SPEAKER.value), [d.value for d in Device]))
            at = time_of_day(asked["at"]) if asked.get("at") else None
            action = _choice(asked.get("action", "say"), ("say", "launch", *ACTIONS))
        except (ValueError, TypeError):
            return refuse(400, "field")
        with conversations.lock:
            talk = conversations.get(key, locale, device, at)
            if action == "launch":
                reply = talk.start()
            elif action in ACTIONS:
                reply = talk.intend(ACTIONS[action])
            else:
                reply = talk.say(asked.get("text"))
            notice = talk.phrase(reply.notice) if reply.notice else None
            return jsonify({**reply.as_json(), "notice_text": notice, "night": talk.night,
                            "ended_text": talk.phrase("console.session_ended") if reply.ended else None})

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return refuse(exc.code or 500, exc.name.lower().replace(" ", "-"))

    return app


def refuse(status: int, reason: str):
    response = jsonify(error=reason)
    response.status_code = status
    return response


def _conversation_id(value) -> str:
    if not isinstance(value, str) or not _CONVERSATION_ID.fullmatch(value):
        raise ValueError("conversation")
    return value


def _choice(value, among) -> str:
    if not isinstance(value, str) or value not in among:
        raise ValueError(value)
    return value


def run(args, settings: Settings) -> int:
    from werkzeug.serving import make_server

    from skill.local.chat import quiet_request_log

    quiet_request_log(settings)
    try:
        app = create_console(settings, args.host, args.port)
        server = make_server(args.host, args.port, app, threaded=True)
    except content.ContentError as exc:
        log.error("%s", exc)
        return 2
    except OSError as exc:
        log.error("cannot listen on %s:%d: %s", args.host, args.port, exc)
        return 1
    log.info("Cramp Coach console on http://%s:%d/ (Ctrl-C to stop)", args.host, args.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0
