"""ffmpeg and ffprobe: speech segments and silences -> one MP3 in Alexa's format, and back.

Alexa's <audio> wants MPEG-2 layer III at 48 kbps; 24 kHz mono is MPEG-2 by definition.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from content.schema import PAUSE, pause_seconds

SAMPLE_RATE = 24000
BITRATE = "48k"
TIMEOUT = 300.0  # seconds for one ffmpeg run; a bedtime track is a few minutes of audio

Part = Path | float  # a file of speech, or seconds of silence


class ToolMissing(RuntimeError):
    pass


class TranscodeError(RuntimeError):
    pass


def require(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        raise ToolMissing(f"{' and '.join(missing)} not found on PATH; install with "
                          "`apt-get install ffmpeg espeak-ng` (or your system's package manager)")


def split_script(script: str) -> list[str | float]:
    """A script as its text segments and its [pause Ns] marks (as seconds), in order."""
    out: list[str | float] = []
    last = 0
    for match in PAUSE.finditer(script):
        if text := script[last:match.start()].strip():
            out.append(text)
        seconds = pause_seconds(match)
        if out and isinstance(out[-1], float):
            out[-1] += seconds
        else:
            out.append(seconds)
        last = match.end()
    if text := script[last:].strip():
        out.append(text)
    return out


def encode(parts: Sequence[Part], dest: Path) -> None:
    """Concatenate speech files and silences into ``dest`` (MP3, 48 kbps, 24 kHz, mono, no tags)."""
    if not parts:
        raise TranscodeError("nothing to encode")
    command = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    labels = []
    for i, part in enumerate(parts):
        if isinstance(part, Path):
            command += ["-i", str(part)]
        else:
            command += ["-f", "lavfi", "-t", f"{part:.3f}", "-i", f"anullsrc=r={SAMPLE_RATE}:cl=mono"]
        labels.append(f"[{i}:a]aresample={SAMPLE_RATE},aformat=sample_fmts=fltp:channel_layouts=mono[a{i}]")
    graph = ";".join(labels) + ";" + "".join(f"[a{i}]" for i in range(len(parts)))
    graph += f"concat=n={len(parts)}:v=0:a=1[out]"
    command += ["-filter_complex", graph, "-map", "[out]", "-map_metadata", "-1",
                "-ac", "1", "-ar", str(SAMPLE_RATE), "-c:a", "libmp3lame", "-b:a", BITRATE,
                "-id3v2_version", "0", "-f", "mp3", str(dest)]
    _run(command)


def probe(path: Path) -> dict:
    """codec, sample_rate, channels, bit_rate and duration of an audio file, from ffprobe."""
    out = _run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                "stream=codec_name,sample_rate,channels,bit_rate:format=duration,format_name",
                "-of", "json", str(path)])
    data = json.loads(out)
    if not data.get("streams"):
        raise TranscodeError(f"{path}: no audio stream")
    stream, fmt = data["streams"][0], data["format"]
    return {"codec": stream["codec_name"], "sample_rate": int(stream["sample_rate"]),
            "channels": int(stream["channels"]), "bit_rate": int(stream.get("bit_rate", 0)),
            "format": fmt.get("format_name"), "duration": float(fmt["duration"])}


def duration(path: Path) -> float:
    return round(probe(path)["duration"], 2)


def _run(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
    except FileNotFoundError:
        raise ToolMissing(f"{command[0]} not found on PATH; install with `apt-get install ffmpeg`") from None
    except subprocess.TimeoutExpired:
        raise TranscodeError(f"{command[0]} took longer than {TIMEOUT:g} s") from None
    if done.returncode != 0:
        raise TranscodeError(f"{command[0]} failed: {done.stderr.decode(errors='replace').strip()[-500:]}")
    return done.stdout.decode()
