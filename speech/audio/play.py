"""Play pack clips on this machine with whatever player is installed."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from speech.audio.manifest import Manifest
from speech.audio.pack import playlists

# In order of preference: each plays an MP3 file and exits, with no window.
PLAYERS = (
    ("ffplay", ("-nodisp", "-autoexit", "-loglevel", "error")),
    ("mpg123", ("-q",)),
    ("paplay", ()),
)


class NoPlayer(RuntimeError):
    pass


class UnknownItem(LookupError):
    pass


def find_player(search_path: str | None = None) -> list[str]:
    """The command line (program and options) of the first player found on PATH."""
    for name, options in PLAYERS:
        if program := shutil.which(name, path=search_path):
            return [program, *options]
    raise NoPlayer("no audio player found: install one of " + ", ".join(name for name, _ in PLAYERS)
                   + " (e.g. `apt-get install ffmpeg` for ffplay, or mpg123)")


def resolve(item: str, manifest: Manifest, locale: str) -> list[str]:
    """Clip ids to play for ``item``: a clip id (``relief.calf`` means its first variant), a
    routine (``calf``: its guided steps in order) or a playlist name (``bedtime-tracks``)."""
    clips = manifest.clips(locale)
    if item in clips:
        return [item]
    if f"{item}#0" in clips:
        return [f"{item}#0"]
    named = playlists(clips)
    name = item.removeprefix(f"{locale}.").removesuffix(".m3u")
    if name in named:
        return named[name]
    raise UnknownItem(f"nothing called {item!r} in the {locale} audio pack; "
                      "`cramp-coach audio list` shows what can be played")


# What a player prints when the machine has no sound device: ffplay still exits 0 then.
NO_DEVICE = ("audio open failed", "Could not open playback device", "Failed to open file")


class PlayerFailed(RuntimeError):
    pass


def play(files: Sequence[Path], player: Sequence[str], on_start=None,
         durations: Mapping[Path, float] | None = None, grace: float = 30.0) -> int:
    """Play ``files`` one after another; returns the first non-zero player exit status, or 0.
    Raises PlayerFailed when the player found no sound device to play on, or is still at it
    ``grace`` seconds after the clip's duration (some players spin forever without one)."""
    for path in files:
        if on_start:
            on_start(path)
        limit = (durations or {}).get(path, 600.0) + grace
        try:
            # The player's own stdin and stdout are not ours: a chat reads its lines from stdin.
            done = subprocess.run([*player, str(path)], check=False, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                  errors="replace", timeout=limit)
        except subprocess.TimeoutExpired:
            raise PlayerFailed(f"{Path(player[0]).name} was still playing {path.name} after {limit:.0f} s "
                               "(no sound device?); stopped it") from None
        if any(sign in done.stderr for sign in NO_DEVICE):
            last = [line for line in done.stderr.splitlines() if line.strip()][-1:]
            raise PlayerFailed(f"{Path(player[0]).name} could not play on this machine (no sound device?): "
                               + "".join(last))
        if done.returncode != 0:
            return done.returncode
    return 0
