"""What a response says, read back from its SSML: the pieces to play in order (text, pauses,
audio clips of the pack) and the text to show, with each counted hold as one mark."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from speech import Speaker, ssml

# Our SSML comes from speech.ssml alone, so a small tokenizer reads it back exactly.
_TOKEN = re.compile(r'<break time="(\d+)(ms|s)"/>|<audio src="([^"]*)"/>|<[^>]*>|([^<]+)')
_COUNT = re.compile(r"\s*\d+\s*[.,]?\s*")  # a count said during a hold: "5."
QUIET_MARKS = ('<amazon:effect name="whispered">', '<prosody volume="x-soft"')
MIN_HOLD_SECONDS = 5  # shorter silences without a count are breathing room, not a hold


class Say(NamedTuple):
    text: str


class Pause(NamedTuple):
    seconds: float


class Clip(NamedTuple):
    """A clip of the audio pack: its file name, and what it says (as SSML, pauses and all)."""

    file: str
    ssml: str


Segment = Say | Pause | Clip


class ClipScripts:
    """Which pack file says what, for one locale: the catalogue's scripts by the manifest's files."""

    def __init__(self, manifest, speaker: Speaker):
        self.manifest = manifest
        self.speaker = speaker

    @functools.cached_property
    def by_file(self) -> dict[str, str]:
        clips = self.manifest.clips(self.speaker.content.locale) if self.manifest is not None else {}
        files = {clip_id: clip.file for clip_id, clip in clips.items()}
        return {files[clip_id]: ssml.from_text(script) for clip_id, script in self.speaker.clips() if clip_id in files}

    def path(self, file: str) -> Path | None:
        folder = getattr(self.manifest, "folder", None)
        return folder / file if folder is not None and file in self.by_file else None


def segments(speech: str | None, scripts: ClipScripts | None = None) -> tuple[Segment, ...]:
    """The SSML as segments in order; an <audio> of a known pack file is a Clip."""
    out: list[Segment] = []
    for match in _TOKEN.finditer(speech or ""):
        number, unit, src, text = match.groups()
        if number is not None:
            seconds = int(number) / (1000 if unit == "ms" else 1)
            if out and isinstance(out[-1], Pause):
                seconds += out.pop().seconds
            out.append(Pause(seconds))
        elif src is not None:
            file = html.unescape(src).rsplit("/", 1)[-1]
            known = scripts.by_file.get(file) if scripts is not None else None
            out.append(Clip(file, known or ""))
        elif text is not None and text.strip():
            out.append(Say(" ".join(html.unescape(text).split())))
    return tuple(out)


def _flat(parts: Iterable[Segment], scripts: ClipScripts | None) -> list[Say | Pause]:
    flat: list[Say | Pause] = []
    for part in parts:
        flat.extend(_flat(segments(part.ssml, scripts), scripts) if isinstance(part, Clip) else [part])
    return flat


def shown(parts: Iterable[Segment], hold: Callable[[int], str], scripts: ClipScripts | None = None) -> str:
    """The text of the segments; each run of silences (with the counts said between them) is
    ``hold(seconds)``, and short silences with no count are left out."""
    flat, out, i = _flat(parts, scripts), [], 0
    while i < len(flat):
        item = flat[i]
        if isinstance(item, Say):
            out.append(item.text)
            i += 1
            continue
        end, last_pause = i, i
        while end < len(flat) and (isinstance(flat[end], Pause) or _COUNT.fullmatch(flat[end].text)):
            if isinstance(flat[end], Pause):
                last_pause = end
            end += 1
        run = flat[i:last_pause + 1]
        seconds = sum(p.seconds for p in run if isinstance(p, Pause))
        if seconds >= MIN_HOLD_SECONDS or any(isinstance(p, Say) for p in run):
            out.append(hold(round(seconds)))
        i = last_pause + 1
    return " ".join(out)


def is_quiet(speech: str | None) -> bool:
    """Whether the answer is delivered quietly (whispered or soft), as the night rules chose."""
    return any(mark in (speech or "") for mark in QUIET_MARKS)
