"""Speech engines behind one small protocol: text in, an audio file (any format ffmpeg reads) out.

``GttsEngine`` asks Google Translate's TTS (good voices, needs the internet); ``EspeakEngine``
runs espeak-ng locally (robotic, but offline). Engines raise ``Unreachable`` when the service
cannot be reached at all (the build stops), ``Transient`` for errors worth a retry, and
``EngineError`` for anything else (that clip fails, the build goes on).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Protocol

# Locale -> (gTTS lang, Google host tld): the tld picks the regional accent (gTTS's docs, "Localized
# accents"). US English and US Spanish are Google's default host, translate.google.com.
GTTS_VOICES = {
    "en-US": ("en", "com"),
    "en-GB": ("en", "co.uk"),
    "en-AU": ("en", "com.au"),
    "en-IN": ("en", "co.in"),
    "en-CA": ("en", "ca"),
    "es-US": ("es", "com"),
    "es-MX": ("es", "com.mx"),
}
# espeak-ng has British (en-gb), American (en-us) and Latin American Spanish (es-419) voices, and
# none for Australian, Indian or Canadian English: the nearest one speaks for them.
ESPEAK_VOICES = {"en-US": "en-us", "en-GB": "en-gb", "en-AU": "en-gb", "en-IN": "en-gb", "en-CA": "en-us",
                 "es-US": "es-419", "es-MX": "es-419"}
ESPEAK_SPEED = 150  # words per minute; espeak-ng's default 175 is hurried for a stretch


class EngineError(Exception):
    """This piece of text could not be rendered."""


class Transient(EngineError):
    """Worth another try after a pause (a timeout, HTTP 429 or 5xx). ``answered``: the service
    did answer, so when the tries run out only this clip fails; otherwise the build stops."""

    def __init__(self, message: str, answered: bool = True):
        super().__init__(message)
        self.answered = answered


class Unreachable(EngineError):
    """The engine's service cannot be reached at all: stop rather than fail every clip."""


class Engine(Protocol):
    name: str
    suffix: str  # of the files render() writes

    def voice(self, locale: str) -> dict:
        """The settings that change how a clip sounds; part of every clip's hash."""

    def render(self, text: str, locale: str, dest: Path) -> None:
        """Write ``text`` spoken in ``locale`` to ``dest``."""


class GttsEngine:
    name = "gtts"
    suffix = ".mp3"

    def __init__(self, timeout: float = 15.0):
        self.timeout = timeout

    def voice(self, locale: str) -> dict:
        lang, tld = _lookup(GTTS_VOICES, locale, self.name)
        return {"lang": lang, "tld": tld}

    def render(self, text: str, locale: str, dest: Path) -> None:
        import requests
        from gtts import gTTS, gTTSError

        lang, tld = _lookup(GTTS_VOICES, locale, self.name)
        # lang_check=False: checking the language is itself a web request, and we know ours.
        tts = gTTS(text, lang=lang, tld=tld, lang_check=False, timeout=self.timeout)
        host = f"translate.google.{tld}"
        try:
            with open(dest, "wb") as f:
                tts.write_to_fp(f)
        except gTTSError as exc:
            dest.unlink(missing_ok=True)
            cause = exc.__context__
            # No connection at all (DNS, refused, connect timeout): stop. Slow answers: retry.
            if exc.rsp is None and isinstance(cause, requests.Timeout) \
                    and not isinstance(cause, requests.ConnectionError):
                raise Transient(f"no answer from {host} within {self.timeout:g} s", answered=False) from exc
            if exc.rsp is None:
                raise Unreachable(f"cannot reach {host} ({_reason(cause)})") from exc
            status = exc.rsp.status_code
            if status == 429 or status >= 500:
                raise Transient(f"{host}: {exc}") from exc
            raise EngineError(f"{host}: {exc}") from exc
        except requests.RequestException as exc:  # the reply broke off while gTTS was reading it
            dest.unlink(missing_ok=True)
            raise Transient(f"{host}: {_reason(exc)}") from exc
        except AssertionError:  # gTTS's way of saying there is nothing to speak
            dest.unlink(missing_ok=True)
            raise EngineError(f"nothing to say in {text!r}") from None


class EspeakEngine:
    name = "espeak"
    suffix = ".wav"

    def __init__(self, speed: int = ESPEAK_SPEED, timeout: float = 60.0):
        self.speed = speed
        self.timeout = timeout
        self.program = shutil.which("espeak-ng") or shutil.which("espeak")

    def voice(self, locale: str) -> dict:
        return {"voice": _lookup(ESPEAK_VOICES, locale, self.name), "speed": self.speed}

    def render(self, text: str, locale: str, dest: Path) -> None:
        if self.program is None:
            raise Unreachable("espeak-ng is not installed (apt-get install espeak-ng)")
        voice = _lookup(ESPEAK_VOICES, locale, self.name)
        command = [self.program, "-v", voice, "-s", str(self.speed), "-w", str(dest), "--stdin"]
        try:
            done = subprocess.run(command, input=text.encode(), capture_output=True, timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired:
            raise Transient(f"espeak-ng took longer than {self.timeout:g} s") from None
        if done.returncode != 0:
            raise EngineError(f"espeak-ng failed: {done.stderr.decode(errors='replace').strip()}")


ENGINES = {"gtts": GttsEngine, "espeak": EspeakEngine}


def engine(name: str, **options) -> Engine:
    try:
        return ENGINES[name](**options)
    except KeyError:
        raise ValueError(f"unknown engine {name!r} (choose from {', '.join(ENGINES)})") from None


def _lookup(table: dict, locale: str, engine_name: str):
    try:
        return table[locale]
    except KeyError:
        raise ValueError(f"the {engine_name} engine has no voice for locale {locale!r} "
                         f"(has {', '.join(sorted(table))})") from None


def _reason(exc: BaseException | None) -> str:
    # requests wraps urllib3 wraps socket errors: the innermost says what went wrong.
    for _ in range(10):
        inner = exc.args[0] if exc is not None and exc.args and isinstance(exc.args[0], BaseException) else None
        inner = inner or (exc.__context__ if exc is not None else None)
        if inner is None:
            break
        exc = inner
    return f"{type(exc).__name__}: {exc}" if exc is not None else "no connection"
