"""Audio pack build: the whole en-US catalogue with espeak-ng (offline) into a temporary folder,
then a no-op rebuild. Prints item count, pack size, seconds per item and the rebuild time.

Run: python bench/audio_build.py [--jobs N] [--locale en-US] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from speech.audio import pack
from speech.audio.build import build, plan_for
from speech.audio.engines import EspeakEngine
from speech.audio.manifest import Manifest
from speech.audio.progress import Progress


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--locale", default="en-US")
    parser.add_argument("--keep", type=Path, help="build here instead of a temporary folder (kept)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cramp-coach-bench-") as tmp:
        out = args.keep or Path(tmp)
        plan = plan_for(args.locale)
        engine = EspeakEngine()
        progress = Progress("build")
        try:
            first = build(plan, out, args.locale, engine, jobs=args.jobs, progress=progress)
        finally:
            progress.close()
        manifest = Manifest.load(out)
        pack.write(out, manifest, args.locale, plan)
        files = {clip.file for clip in manifest.clips(args.locale).values()}
        audio_minutes = sum(clip.duration for clip in manifest.clips(args.locale).values()) / 60

        started = time.perf_counter()
        again = build(plan, out, args.locale, engine, jobs=args.jobs)
        noop = time.perf_counter() - started

        sample = out / manifest.clip(args.locale, next(i for i in plan if i.startswith("guided."))).file
        probe = subprocess.run(["ffprobe", "-hide_banner", str(sample)], capture_output=True, text=True, check=False).stderr
        print(f"items            {len(plan)} clips ({len(files)} distinct files), {audio_minutes:.1f} min of audio")
        print(f"first build      rendered {first.rendered}, failed {len(first.failed)} in {first.seconds:.1f} s "
              f"= {first.seconds / max(first.rendered, 1):.3f} s per item (jobs {args.jobs}, espeak-ng + ffmpeg)")
        print(f"pack size        {first.pack_bytes / 1e6:.1f} MB")
        print(f"no-op rebuild    {noop:.3f} s (rendered {again.rendered}, reused {again.reused})")
        for line in probe.splitlines():
            if "Duration" in line or "Stream" in line:
                print(f"ffprobe          {line.strip()}  ({sample.name})")
        return 0 if first.ok and again.rendered == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
