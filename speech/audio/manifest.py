"""manifest.json: which file says each clip, per locale, and whether it still matches the plan.

{"version": 1, "format": {...}, "locales": {"en-US": {"clips": {"<clip id>": {"file": "<hash>.mp3",
 "duration": 3.42, "hash": "<hash>", "engine": "gtts", "script_sha": "<sha256 of the script>"}}}}}
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from speech.audio.files import is_nonempty, write_text

NAME = "manifest.json"
VERSION = 1
FORMAT = {"codec": "mp3", "bitrate": 48000, "sample_rate": 24000, "channels": 1}


class ManifestError(Exception):
    """manifest.json exists but cannot be used."""


@dataclass(frozen=True)
class Clip:
    file: str
    duration: float
    hash: str
    engine: str
    script_sha: str


@dataclass(frozen=True)
class Stale:
    missing: tuple[str, ...] = ()  # in the plan, but no clip (or its file is gone)
    changed: tuple[str, ...] = ()  # a clip, but for an older script

    def __bool__(self) -> bool:
        return bool(self.missing or self.changed)


def script_sha(script: str) -> str:
    return hashlib.sha256(script.encode()).hexdigest()


def clip_hash(script: str, engine: str, voice: Mapping) -> str:
    """Names the file: anything that changes the sound (script, engine, voice, format) changes it."""
    key = json.dumps([script, engine, dict(voice), FORMAT], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(key.encode()).hexdigest()[:20]


@dataclass
class Manifest:
    locales: dict[str, dict[str, Clip]] = field(default_factory=dict)
    folder: Path | None = None  # where it was loaded from: files are checked there

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        folder = Path(folder)
        try:
            data = json.loads((folder / NAME).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(folder=folder)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ManifestError(f"{folder / NAME}: unreadable ({exc}); rebuild with `cramp-coach audio build`") from None
        try:
            if data["version"] != VERSION:
                raise ManifestError(f"{folder / NAME}: version {data['version']}, expected {VERSION}")
            locales = {locale: {clip_id: Clip(**entry) for clip_id, entry in section["clips"].items()}
                       for locale, section in data["locales"].items()}
        except (KeyError, TypeError, AttributeError) as exc:
            raise ManifestError(f"{folder / NAME}: not a Cramp Coach audio manifest ({exc!r})") from None
        return cls(locales, folder)

    def to_json(self) -> str:
        data = {"version": VERSION, "format": FORMAT,
                "locales": {locale: {"clips": {clip_id: asdict(clip) for clip_id, clip in sorted(clips.items())}}
                            for locale, clips in sorted(self.locales.items())}}
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"

    def save(self, folder: Path | None = None) -> None:
        folder = Path(folder) if folder is not None else self.folder
        write_text(folder / NAME, self.to_json())

    def clip(self, locale: str, clip_id: str) -> Clip | None:
        return self.locales.get(locale, {}).get(clip_id)

    def clips(self, locale: str) -> Mapping[str, Clip]:
        return self.locales.get(locale, {})

    def put(self, locale: str, clip_id: str, clip: Clip) -> None:
        self.locales.setdefault(locale, {})[clip_id] = clip

    def keep_only(self, locale: str, clip_ids: Iterable[str]) -> int:
        """Forget clips of ``locale`` not in ``clip_ids``; returns how many."""
        keep = set(clip_ids)
        clips = self.locales.get(locale, {})
        gone = [clip_id for clip_id in clips if clip_id not in keep]
        for clip_id in gone:
            del clips[clip_id]
        return len(gone)

    def files(self) -> set[str]:
        return {clip.file for clips in self.locales.values() for clip in clips.values()}

    def stale(self, locale: str, plan: Mapping[str, str]) -> Stale:
        """Clips of the plan (clip id -> script) with no usable file, or made from another script."""
        missing, changed = [], []
        for clip_id, script in plan.items():
            clip = self.clip(locale, clip_id)
            if clip is None or (self.folder is not None and not is_nonempty(self.folder / clip.file)):
                missing.append(clip_id)
            elif clip.script_sha != script_sha(script):
                changed.append(clip_id)
        return Stale(tuple(missing), tuple(changed))


def stale_summary(folder: Path, locale: str, plan: Mapping[str, str] | None = None) -> str | None:
    """One line for a start-up warning when the pack at ``folder`` does not match the content
    (the skill then speaks those clips as text); None when it matches. Never raises."""
    try:
        if plan is None:
            from speech.audio.build import plan_for

            plan = plan_for(locale)
        manifest = Manifest.load(folder)
        if not manifest.clips(locale):
            return (f"audio pack {folder}: no clips for {locale}; the skill speaks text "
                    f"(build one with `cramp-coach audio build --locale {locale}`)")
        stale = manifest.stale(locale, plan)
    except Exception as exc:  # noqa: BLE001 - a warning must never stop the skill from starting
        return f"audio pack {folder}: cannot check it ({exc})"
    if not stale:
        return None
    return (f"audio pack {folder} is stale for {locale}: {len(stale.missing)} of {len(plan)} clips missing, "
            f"{len(stale.changed)} changed since the build (those are spoken as text; "
            f"run `cramp-coach audio build --locale {locale}`)")
