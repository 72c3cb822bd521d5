"""The Flask app: POST /alexa (verified Alexa requests) and GET /healthz. Built only by create_app."""

from __future__ import annotations

import json
import logging

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from skill import logs
from skill.builder import build_skill
from skill.config import Settings
from skill.http.audio_route import audio_blueprint
from skill.invoke import BadEnvelope, SkillIdMismatch

MAX_BODY_BYTES = 128 * 1024  # Alexa's request envelopes are a few KB; more is not Alexa
log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, **skill_options) -> Flask:
    settings = settings if settings is not None else Settings.from_env()
    app = Flask("cramp_coach")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions["cramp_coach"] = skill = build_skill(settings, **skill_options)
    app.register_blueprint(audio_blueprint(settings.audio_path))  # GET /audio/<hash>.mp3, unverified
    verifier = None
    if settings.verify:
        from skill.http.verify import RequestVerifier

        verifier = RequestVerifier(settings.ca_bundle)
    else:
        log.warning("REQUEST VERIFICATION IS OFF: anyone can call this endpoint. "
                    "Use this only for local testing, never in production.")

    @app.post("/alexa")
    def alexa():
        body = request.get_data(cache=False)
        if verifier is not None:
            from skill.http.verify import VerificationError

            try:
                payload = verifier.verify(request.headers, body)
            except VerificationError as exc:
                log.debug("verification failed: %s", exc)
                return error(400, exc.reason, str(exc))
        else:
            try:
                payload = json.loads(body)
            except (ValueError, RecursionError):  # RecursionError: nested deeper than the stack
                return error(400, "body", "the body is not JSON")
        try:
            return jsonify(skill.respond(payload))
        except BadEnvelope as exc:
            return error(400, "body", f"the body is not an Alexa request envelope: {exc}")
        except SkillIdMismatch:
            return error(400, "skill-id", "the request is for another skill")

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return error(exc.code or 500, exc.name.lower().replace(" ", "-"), exc.description or exc.name)

    return app


def error(status: int, reason: str, message: str):
    logs.rejected(reason, status)
    response = jsonify(error=reason, message=message)
    response.status_code = status
    return response
