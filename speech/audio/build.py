"""plan -> synthesize -> transcode -> manifest, incremental, concurrent and crash-safe.

A clip is rendered again only when its hash (script, engine, voice, format) changed or its file
is gone; a no-op rebuild reads the manifest, stats files and calls no engine and no ffprobe.
Every file is written beside its final name and renamed, and the manifest is saved every few
seconds, so a killed or failed build keeps what it finished and leaves nothing half-written.
"""

from __future__ import annotations

import hashlib
import random
import re
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from speech.audio import transcode
from speech.audio.engines import Engine, EngineError, Transient, Unreachable
from speech.audio.files import atomic_path, is_nonempty, remove_leftovers
from speech.audio.manifest import Clip, Manifest, clip_hash, script_sha

SAVE_EVERY = 5.0  # seconds between manifest saves during a build
GIVE_UP_AFTER = 5  # clips failed in a row, none rendered: something is wrong with every clip
_PACK_FILE = re.compile(r"[0-9a-f]{20}\.mp3")


class BuildError(Exception):
    """The build cannot start (no usable output directory, tools missing)."""


@dataclass
class Result:
    total: int
    rendered: int = 0
    reused: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (clip id, why)
    skipped: int = 0  # not tried: the build stopped early
    stopped: str | None = None  # why the build stopped early (Google unreachable, tools missing)
    seconds: float = 0.0
    pack_bytes: int = 0
    removed: int = 0  # files no clip uses any more

    @property
    def done(self) -> int:
        return self.rendered + self.reused + len(self.failed)

    @property
    def ok(self) -> bool:
        return not self.failed and self.stopped is None


def plan_for(locale: str) -> dict[str, str]:
    """Every clip of ``locale`` as clip id -> script, in the catalogue's order."""
    import content
    from speech.catalog import Speaker

    plan: dict[str, str] = {}
    for clip_id, script in Speaker(content.load(locale)).clips():
        if plan.setdefault(clip_id, script) != script:
            raise ValueError(f"clip {clip_id} has two different scripts")
    return plan


def build(plan: Mapping[str, str], out: Path, locale: str, engine: Engine, *, jobs: int = 4,
          retries: int = 3, backoff: float = 1.0, prune: bool = False,
          progress: Callable[[Result], None] | None = None,
          sleep: Callable[[float], None] = time.sleep) -> Result:
    """Render every clip of ``plan`` not already in ``out``'s manifest; ``prune`` forgets clips
    of ``locale`` outside the plan and deletes files no clip uses (after a complete build)."""
    started = time.monotonic()
    out = Path(out)
    _prepare(out)
    manifest = Manifest.load(out)
    voice = engine.voice(locale)
    result = Result(total=len(plan))
    todo: dict[str, list[str]] = {}  # file hash -> the clip ids it says
    for clip_id, script in plan.items():
        h = clip_hash(script, engine.name, voice)
        clip = manifest.clip(locale, clip_id)
        if clip is not None and clip.hash == h and is_nonempty(out / clip.file):
            result.reused += 1
        else:
            todo.setdefault(h, []).append(clip_id)
    if todo:
        transcode.require("ffmpeg", "ffprobe")
    _adopt(todo, plan, out, locale, engine.name, manifest, result)
    if progress:
        progress(result)

    segments = _Segments(engine, locale, retries, backoff, sleep)
    stop = threading.Event()

    def render(h: str, script: str) -> float | None:
        parts = []
        try:
            for part in transcode.split_script(script):
                if stop.is_set():
                    return None
                parts.append(segments.get(part) if isinstance(part, str) else part)
            with atomic_path(out / f"{h}.mp3") as tmp:
                transcode.encode(parts, tmp)
                return transcode.duration(tmp)
        except (Unreachable, transcode.ToolMissing):
            stop.set()  # here, not when the main thread gets to it: no other clip starts meanwhile
            raise

    last_save = time.monotonic()
    finished = False
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="audio")
    try:
        futures = {pool.submit(render, h, plan[ids[0]]): h for h, ids in todo.items()}
        for future in as_completed(futures):
            h = futures[future]
            ids = todo[h]
            try:
                seconds = future.result()
            except (Unreachable, transcode.ToolMissing) as exc:
                result.stopped = result.stopped or str(exc)
                stop.set()
                result.skipped += len(ids)
            except (EngineError, transcode.TranscodeError, OSError) as exc:
                result.failed.extend((clip_id, str(exc)) for clip_id in ids)
                if len(result.failed) >= GIVE_UP_AFTER and not result.rendered:
                    result.stopped = f"{len(result.failed)} clips failed and none rendered; last: {exc}"
                    stop.set()
            else:
                if seconds is None:  # not started: the build was stopping
                    result.skipped += len(ids)
                else:
                    for clip_id in ids:
                        manifest.put(locale, clip_id, Clip(f"{h}.mp3", seconds, h, engine.name,
                                                           script_sha(plan[clip_id])))
                    result.rendered += len(ids)
            if progress:
                progress(result)
            if time.monotonic() - last_save > SAVE_EVERY:
                manifest.save(out)
                last_save = time.monotonic()
        finished = True
    except BaseException:
        stop.set()  # Ctrl-C: let running clips finish or fail, start no more, keep what is done
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        segments.close()
        if prune and finished and result.ok:
            manifest.keep_only(locale, plan)
            result.removed = _remove_unused(out, manifest)
        manifest.save(out)
    result.pack_bytes = sum((out / name).stat().st_size for name in {c.file for c in manifest.clips(locale).values()}
                            if is_nonempty(out / name))
    result.seconds = time.monotonic() - started
    return result


def _prepare(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test.", suffix=".part"):
            pass
    except OSError as exc:
        raise BuildError(f"cannot write to {out}: {exc.strerror or exc}") from None
    remove_leftovers(out)


def _adopt(todo: dict[str, list[str]], plan: Mapping[str, str], out: Path, locale: str,
           engine: str, manifest: Manifest, result: Result) -> None:
    """Take in files already on disk for clips the manifest lacks (another locale or clip with the
    same sound, or a build killed before it saved the manifest): no need to render them again."""
    known = {clip.hash: clip.duration for clips in manifest.locales.values() for clip in clips.values()}
    for h in [h for h in todo if is_nonempty(out / f"{h}.mp3")]:
        try:
            seconds = known[h] if h in known else transcode.duration(out / f"{h}.mp3")
        except transcode.TranscodeError:
            continue
        for clip_id in todo.pop(h):
            manifest.put(locale, clip_id, Clip(f"{h}.mp3", seconds, h, engine, script_sha(plan[clip_id])))
            result.reused += 1


def _remove_unused(out: Path, manifest: Manifest) -> int:
    used = manifest.files()
    unused = [p for p in out.iterdir() if _PACK_FILE.fullmatch(p.name) and p.name not in used]
    for path in unused:
        path.unlink(missing_ok=True)
    return len(unused)


class _Segments:
    """Each distinct piece of text rendered once per build ("5.", "Release." recur in every
    hold), with retries and backoff for transient errors."""

    def __init__(self, engine: Engine, locale: str, retries: int, backoff: float, sleep):
        self.engine, self.locale, self.retries, self.backoff, self.sleep = engine, locale, retries, backoff, sleep
        self.folder = tempfile.TemporaryDirectory(prefix="cramp-coach-audio-")
        self.done: dict[str, Path] = {}
        self.locks: dict[str, threading.Lock] = {}
        self.lock = threading.Lock()

    def get(self, text: str) -> Path:
        with self.lock:
            lock = self.locks.setdefault(text, threading.Lock())
        with lock:
            if text not in self.done:
                name = hashlib.sha256(text.encode()).hexdigest()[:16] + self.engine.suffix
                self._render(text, Path(self.folder.name) / name)
                self.done[text] = Path(self.folder.name) / name
            return self.done[text]

    def _render(self, text: str, dest: Path) -> None:
        for attempt in range(self.retries + 1):
            try:
                self.engine.render(text, self.locale, dest)
                if not is_nonempty(dest):
                    raise EngineError(f"{self.engine.name} produced no audio for {text!r}")
                return
            except Transient as exc:
                if attempt == self.retries:
                    if not exc.answered:
                        raise Unreachable(f"{exc} ({attempt + 1} tries)") from exc
                    raise
                self.sleep(self.backoff * 2 ** attempt * (0.5 + random.random()))

    def close(self) -> None:
        self.folder.cleanup()
