"""GET /audio/<hash>.mp3: the pre-rendered audio pack as public, immutable static files.

Alexa fetches these itself (SSML <audio> and AudioPlayer streams), so there is no request
verification here. A file's name is its content hash: it never changes, which makes the name a
strong ETag and lets every cache keep it for a year. Range and conditional requests are
Werkzeug's own (send_file with conditional=True).
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, Response, abort, send_file
from werkzeug.exceptions import RequestedRangeNotSatisfiable

FILE_NAME = re.compile(r"[0-9a-f]{8,64}\.mp3")
ONE_YEAR = 31_536_000  # seconds of caching: a file's name is its content hash, so it never changes


def audio_blueprint(audio_dir: Path) -> Blueprint:
    """Serves the flat ``<hash>.mp3`` files of ``audio_dir`` (settings.audio_path)."""
    audio = Blueprint("audio", __name__)

    # The default converter never matches "/" (nor "%2F", which the server decodes first), and
    # the name must match FILE_NAME in full, so no path can leave audio_dir.
    @audio.get("/audio/<name>")
    def clip(name: str):
        path = audio_dir / name
        if not FILE_NAME.fullmatch(name) or not path.is_file():
            abort(404)
        response = send_file(path, mimetype="audio/mpeg", conditional=True,
                             etag=name.removesuffix(".mp3"), max_age=ONE_YEAR)
        response.cache_control.immutable = True
        return response

    @audio.errorhandler(RequestedRangeNotSatisfiable)
    def unsatisfiable(exc: RequestedRangeNotSatisfiable):
        # The app's JSON error page would drop the Content-Range a client needs to try again.
        return Response(status=416, headers=exc.get_headers())

    return audio
