"""``cramp-coach audio``: build the pre-rendered audio pack, list it, play it here."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from skill.config import Settings

ENGINE_HELP = "gtts: Google's voices, needs the internet (default); espeak: espeak-ng, offline, robotic"


def add_commands(subparsers) -> None:
    audio = subparsers.add_parser(
        "audio", help="build, list and play the pre-rendered audio pack",
        description="The audio pack: every clip the skill can say as an MP3 in Alexa's format "
                    "(48 kbps, 24 kHz, mono), with playlists that play offline.",
        epilog="The pack lives in CRAMP_COACH_AUDIO_DIR (default: the user data directory); "
               "serve it at CRAMP_COACH_AUDIO_BASE_URL (https) for the skill to use it.")
    actions = audio.add_subparsers(dest="action", required=True, metavar="ACTION")

    build = actions.add_parser(
        "build", help="render every clip to MP3 (only new or changed ones)",
        description="Render every clip of a locale to MP3. Unchanged clips are reused, so a "
                    "rebuild after a content edit renders only what changed. Needs ffmpeg.")
    build.add_argument("--engine", choices=("gtts", "espeak"), default="gtts", help=ENGINE_HELP)
    build.add_argument("--jobs", type=_positive, default=4, metavar="N",
                       help="clips rendered at once (default: %(default)s)")
    build.add_argument("--timeout", type=float, default=15.0, metavar="SECONDS",
                       help="give up on one request to Google after this long (default: %(default)s)")
    build.add_argument("--keep-unused", action="store_true",
                       help="keep files and manifest entries of clips the content no longer has")
    _common(build, "where to write the pack")
    build.set_defaults(run=_build)

    play = actions.add_parser(
        "play", help="play a clip, a routine or a playlist on this machine",
        description="Play with the first player found: ffplay, mpg123 or paplay.",
        epilog="Examples: `audio play calf` (the calf routine's guided steps), "
               "`audio play bedtime-tracks`, `audio play relief.calf` (its first variant), "
               "`audio play 'stretch.count#0&seconds=5'`.")
    play.add_argument("item", metavar="ITEM", help="a clip id, a muscle (its routine) or a playlist name")
    _common(play, "the pack to play from")
    play.set_defaults(run=_play)

    listing = actions.add_parser("list", help="show the routines, playlists and clips that can be played")
    listing.add_argument("--clips", action="store_true", help="list every clip id too")
    _common(listing, "the pack to list")
    listing.set_defaults(run=_list)


def _common(parser, out_help: str) -> None:
    parser.add_argument("--locale", help="content locale (default: en-US)")
    parser.add_argument("--out", "--dir", dest="out", type=Path, metavar="DIR",
                        help=f"{out_help} (default: CRAMP_COACH_AUDIO_DIR or the user data directory)")


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {value!r}")
    return int(value)


def _fail(message: str, status: int = 2) -> int:
    print(f"cramp-coach audio: {message}", file=sys.stderr)
    return status


def _locale(args, settings: Settings) -> str:
    import content

    locale = args.locale or settings.locale
    if locale not in content.locales():
        raise LookupError(f"unknown locale {locale!r} (content exists for {', '.join(content.locales())})")
    return locale


def _build(args, settings: Settings) -> int:
    import content
    from speech.audio import engines, pack
    from speech.audio.build import BuildError, build, plan_for
    from speech.audio.manifest import Manifest, ManifestError
    from speech.audio.progress import Progress
    from speech.audio.transcode import ToolMissing

    out = args.out or settings.audio_path
    try:
        locale = _locale(args, settings)
        engine = engines.engine(args.engine, **({"timeout": args.timeout} if args.engine == "gtts" else {}))
        engine.voice(locale)
        plan = plan_for(locale)
    except (LookupError, ValueError, content.ContentError) as exc:
        return _fail(str(exc))
    progress = Progress(f"audio {locale}")
    try:
        result = build(plan, out, locale, engine, jobs=args.jobs, prune=not args.keep_unused, progress=progress)
    except (BuildError, ToolMissing, ManifestError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        progress.close()
        return _fail("interrupted; the clips finished so far are kept", 130)
    finally:
        progress.close()
    named = pack.write(out, Manifest.load(out), locale, plan)
    minutes = sum(c.duration for c in Manifest.load(out).clips(locale).values()) / 60
    print(f"audio {locale} ({engine.name}): {result.total} clips - rendered {result.rendered}, "
          f"reused {result.reused}, failed {len(result.failed)}"
          + (f", not tried {result.skipped}" if result.skipped else "")
          + f" in {result.seconds:.1f} s; pack {result.pack_bytes / 1e6:.1f} MB, {minutes:.0f} min of audio, "
          f"{len(named)} playlists in {out}")
    for clip_id, why in result.failed[:10]:
        print(f"  failed {clip_id}: {why}", file=sys.stderr)
    if len(result.failed) > 10:
        print(f"  ... and {len(result.failed) - 10} more", file=sys.stderr)
    if result.stopped:
        hint = " Google's voices need the internet: try `--engine espeak` to build offline." \
            if engine.name == "gtts" else ""
        return _fail(f"stopped early: {result.stopped}.{hint} "
                     "Clips finished before the stop are kept; run again to finish.", 1)
    return 0 if result.ok else 1


def _pack(args, settings: Settings):
    from speech.audio.manifest import Manifest

    locale = _locale(args, settings)
    folder = args.out or settings.audio_path
    manifest = Manifest.load(folder)
    if not manifest.clips(locale):
        raise LookupError(f"no {locale} audio pack in {folder}; build one with "
                          f"`cramp-coach audio build --locale {locale}` (or pass --dir)")
    return locale, folder, manifest


def _play(args, settings: Settings) -> int:
    from speech.audio import pack, play
    from speech.audio.manifest import ManifestError

    try:
        locale, folder, manifest = _pack(args, settings)
        ids = play.resolve(args.item, manifest, locale)
        player = play.find_player()
        texts = pack.read_index(folder)["locales"].get(locale, {}).get("clips", {})
    except (LookupError, ManifestError) as exc:
        return _fail(str(exc))
    except play.NoPlayer as exc:
        return _fail(str(exc), 3)
    clips = manifest.clips(locale)
    by_file = {folder / clips[i].file: i for i in ids}

    def announce(path: Path) -> None:
        clip_id = by_file[path]
        print(f"> {clip_id} ({clips[clip_id].duration:.0f} s) {texts.get(clip_id, {}).get('text', '')}"[:120],
              file=sys.stderr)

    try:
        status = play.play(list(by_file), player, on_start=announce,
                           durations={path: clips[clip_id].duration for path, clip_id in by_file.items()})
    except KeyboardInterrupt:
        return 130
    except play.PlayerFailed as exc:
        return _fail(str(exc), 1)
    return _fail(f"{os.path.basename(player[0])} exited with status {status}", 1) if status else 0


def _list(args, settings: Settings) -> int:
    from speech.audio.manifest import ManifestError
    from speech.audio.pack import playlists

    try:
        locale, folder, manifest = _pack(args, settings)
    except (LookupError, ManifestError) as exc:
        return _fail(str(exc))
    clips = manifest.clips(locale)
    print(f"{locale} audio pack in {folder}: {len(clips)} clips, "
          f"{sum(c.duration for c in clips.values()) / 60:.0f} min")
    for name, ids in playlists(clips).items():
        print(f"  {name:<16} {len(ids):>3} clips {sum(clips[i].duration for i in ids):>6.0f} s")
    if args.clips:
        for clip_id, clip in sorted(clips.items()):
            print(f"  {clip_id:<48} {clip.duration:>6.1f} s  {clip.file}")
    return 0


def check_lines(settings: Settings) -> list[str]:
    """For `cramp-coach check`: a warning per locale whose audio pack is stale."""
    import content
    from speech.audio.manifest import NAME, stale_summary

    folder = settings.audio_path
    if not (folder / NAME).exists():
        return [f"audio: no pack in {folder} (optional; `cramp-coach audio build` makes one)"]
    lines = []
    for locale in content.locales():
        summary = stale_summary(folder, locale)
        lines.append(f"warning: {summary}" if summary else f"audio {locale}: pack in {folder} is up to date")
    return lines
