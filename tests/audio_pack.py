"""Small real audio packs for tests: MP3s made by ffmpeg, and a manifest.json in the pack format.

`python -m tests.audio_pack DIR` writes a pack holding the bedtime track of every bedtime tip of
every locale (the e2e suite runs it for its server) and prints the manifest.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import content

FORMAT = {"codec": "mp3", "bitrate": 48000, "sample_rate": 24000, "channels": 1}


def mp3(path: Path, seconds: float = 3.0, frequency: int = 220) -> Path:
    """A real MP3 in Alexa's format (mono, 24 kHz, 48 kbps): a quiet tone."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise RuntimeError("ffmpeg is not on PATH (apt-get install ffmpeg)")
    subprocess.run([ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", f"sine=frequency={frequency}:sample_rate=24000:duration={seconds}",
                    "-af", "volume=0.1", "-ac", "1", "-c:a", "libmp3lame", "-b:a", "48k",
                    "-map_metadata", "-1", str(path)], check=True, timeout=60)
    return path


def write_pack(directory: Path, clip_ids: Iterable[str], locale: str = "en-US", seconds: float = 3.0) -> dict:
    """A pack in ``directory`` with one MP3 per clip id; returns the manifest written."""
    directory.mkdir(parents=True, exist_ok=True)
    manifest_path = directory / "manifest.json"
    manifest = (json.loads(manifest_path.read_text()) if manifest_path.exists()
                else {"version": 1, "format": FORMAT, "locales": {}})
    clips = manifest["locales"].setdefault(locale, {"clips": {}})["clips"]
    for number, clip_id in enumerate(clip_ids):
        script = f"{locale} {clip_id}"
        digest = hashlib.sha256(f"{script}|test-tone".encode()).hexdigest()[:20]
        mp3(directory / f"{digest}.mp3", seconds, 200 + 20 * (number % 20))
        clips[clip_id] = {"file": f"{digest}.mp3", "duration": seconds, "hash": digest, "engine": "test-tone",
                          "script_sha": hashlib.sha256(script.encode()).hexdigest()}
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def bedtime_tips(locale: str = "en-US") -> list[str]:
    return [tip.id for tip in content.load(locale).tips if tip.bedtime]


def bedtime_pack(directory: Path, seconds: float = 3.0) -> dict:
    manifest = {}
    for locale in content.locales():
        manifest = write_pack(directory, [f"track.bedtime.{tip}" for tip in bedtime_tips(locale)], locale, seconds)
    return manifest


if __name__ == "__main__":
    print(json.dumps(bedtime_pack(Path(sys.argv[1]))))
