"""Pure SSML building blocks. Text is always escaped; tags come only from these functions."""

from __future__ import annotations

import re

from content.schema import PAUSE, pause_seconds

MAX_BREAK_SECONDS = 10.0
_SPACES = re.compile(r"\s+")
# Characters XML 1.0 forbids outright (C0 controls other than tab, newline and carriage return;
# lone surrogates; U+FFFE and U+FFFF). One of them makes Alexa reject the whole response, and no
# escape can carry them, so they are dropped.
# Listed, not as the complement of what XML allows: that class takes ~3 ms to compile (cold start).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# Plain str.translate rather than xml.sax.saxutils: that import alone costs ~18 ms of cold start.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str) -> str:
    return _NOT_XML.sub("", text).translate(_ESCAPES)


def pause(seconds: float) -> str:
    """A pause of any length as breaks of at most 10 s each (Alexa's limit per break)."""
    if seconds <= 0:
        return ""
    parts = []
    remaining = round(seconds * 1000)
    while remaining > 0:
        chunk = min(remaining, int(MAX_BREAK_SECONDS * 1000))
        parts.append(f'<break time="{chunk // 1000}s"/>' if chunk % 1000 == 0 else f'<break time="{chunk}ms"/>')
        remaining -= chunk
    return "".join(parts)


def from_text(text: str) -> str:
    """Content text (with ``[pause Ns]`` marks) as an SSML fragment."""
    out, last = [], 0
    for match in PAUSE.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(pause(pause_seconds(match)))
        last = match.end()
    out.append(escape(text[last:]))
    return _SPACES.sub(" ", "".join(out)).strip()


def plain(text: str) -> str:
    """Content text as plain text for cards and logs: pause marks removed."""
    return _SPACES.sub(" ", PAUSE.sub(" ", text)).strip()


def sub(text: str, alias: str) -> str:
    """``text`` shown, ``alias`` said ("999" said "nine nine nine")."""
    if text == alias:
        return escape(text)
    return '<sub alias="' + escape(alias).replace('"', "&quot;") + '">' + escape(text) + "</sub>"


def speak(fragment: str) -> str:
    return f"<speak>{fragment}</speak>"


# Alexa's whispered voice was announced for US and UK English (Amazon, April 2017); no other
# locale is documented, so there the quiet voice is soft, slow prosody instead.
WHISPER_LOCALES = frozenset({"en-US", "en-GB"})


def night_style(style: str, locale: str) -> str:
    """``style`` (whisper, soft, normal, skip) as ``locale`` can say it."""
    return "soft" if style == "whisper" and locale not in WHISPER_LOCALES else style


def whisper(fragment: str) -> str:
    return f'<amazon:effect name="whispered">{fragment}</amazon:effect>'


def soft(fragment: str) -> str:
    return f'<prosody volume="x-soft" rate="slow">{fragment}</prosody>'


def audio(url: str) -> str:
    return '<audio src="' + escape(url).replace('"', "&quot;") + '"/>'
