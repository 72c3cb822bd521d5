"""The offline pack: per-routine and bedtime-track M3U playlists, index.json and index.html,
all with relative paths, so the folder plays anywhere with no network and no skill."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from pathlib import Path

from speech import ssml
from speech.catalog import TRACK_PREFIX
from speech.audio.files import write_text
from speech.audio.manifest import Manifest, ManifestError

INDEX = "index.json"
PLAYLISTS = "playlists"
TRACKS = "bedtime-tracks"
_GUIDED = re.compile(r"guided\.(?P<routine>[\w-]+)\.(?P<step>\d+)")
TITLE_CHARS = 90


def playlists(clip_ids) -> dict[str, list[str]]:
    """Playlist name -> clip ids in order: each routine's guided steps, and the bedtime tracks."""
    routines: dict[str, list[tuple[int, str]]] = {}
    tracks = []
    for clip_id in clip_ids:
        if match := _GUIDED.fullmatch(clip_id):
            routines.setdefault(match["routine"], []).append((int(match["step"]), clip_id))
        elif clip_id.startswith(TRACK_PREFIX):
            tracks.append(clip_id)
    named = {name: [clip_id for _, clip_id in sorted(steps)] for name, steps in sorted(routines.items())}
    if tracks:
        named[TRACKS] = tracks
    return named


def title(script: str) -> str:
    text = ssml.plain(script)
    return text if len(text) <= TITLE_CHARS else text[:TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def write(out: Path, manifest: Manifest, locale: str, plan: Mapping[str, str]) -> dict[str, list[str]]:
    """Write playlists and indexes for ``locale``'s clips in the manifest; returns the playlists."""
    clips = manifest.clips(locale)
    ready = [clip_id for clip_id in plan if clip_id in clips]
    named = playlists(ready)
    folder = out / PLAYLISTS
    folder.mkdir(exist_ok=True)
    for old in folder.glob(f"{locale}.*.m3u"):
        if old.name[len(locale) + 1:-4] not in named:
            old.unlink()
    for name, ids in named.items():
        lines = ["#EXTM3U", f"#PLAYLIST:{name} ({locale})"]
        for clip_id in ids:
            lines += [f"#EXTINF:{round(clips[clip_id].duration)},{title(plan[clip_id])}", f"../{clips[clip_id].file}"]
        write_text(folder / f"{locale}.{name}.m3u", "\n".join(lines) + "\n")

    index = read_index(out)
    index["locales"][locale] = {
        "clips": {clip_id: {"file": clips[clip_id].file, "duration": clips[clip_id].duration,
                            "text": ssml.plain(plan[clip_id])} for clip_id in ready},
        "playlists": {name: f"{PLAYLISTS}/{locale}.{name}.m3u" for name in named},
        "routines": {name: ids for name, ids in named.items()},
    }
    write_text(out / INDEX, json.dumps(index, indent=1, ensure_ascii=False) + "\n")
    write_text(out / "index.html", _html(index))
    return named


def read_index(out: Path) -> dict:
    try:
        index = json.loads((out / INDEX).read_text(encoding="utf-8"))
        if isinstance(index.get("locales"), dict):
            return index
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{out / INDEX}: unreadable ({exc}); it is rewritten by `cramp-coach audio build`") from None
    return {"version": 1, "locales": {}}


def _html(index: dict) -> str:
    out = ["<!doctype html>", '<meta charset="utf-8">', "<title>Cramp Coach audio</title>",
           "<style>body{font:16px/1.4 sans-serif;max-width:50em;margin:auto}audio{width:100%}</style>"]
    for locale, section in sorted(index["locales"].items()):
        out.append(f'<section lang="{html.escape(locale)}"><h1>{html.escape(locale)}</h1>')
        for name, ids in section["routines"].items():
            out.append(f'<h2>{html.escape(name)} <a href="{html.escape(section["playlists"][name])}">m3u</a></h2><ol>')
            for clip_id in ids:
                clip = section["clips"][clip_id]
                out.append(f'<li>{html.escape(title(clip["text"]))}<br>'
                           f'<audio controls preload="none" src="{html.escape(clip["file"])}"></audio>')
            out.append("</ol>")
        out.append("</section>")
    return "\n".join(out) + "\n"
