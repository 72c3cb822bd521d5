"""Build progress on stderr: a redrawn bar on a terminal, a line every few seconds otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 28


class Progress:
    def __init__(self, label: str, stream: TextIO | None = None, every: float = 5.0):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.every = every
        self.started = self.last = time.monotonic()
        self.drawn = False

    def __call__(self, result) -> None:
        now = time.monotonic()
        finished = result.done + result.skipped >= result.total
        if not self.tty and not finished and now - self.last < self.every:
            return
        self.last = now
        counts = f"rendered {result.rendered}  reused {result.reused}  failed {len(result.failed)}"
        done = result.done + result.skipped
        if self.tty:
            filled = WIDTH * done // max(result.total, 1)
            bar = "#" * filled + "-" * (WIDTH - filled)
            self.stream.write(f"\r{self.label} [{bar}] {done}/{result.total}  {counts}{self._eta(result)}\x1b[K")
            self.drawn = True
        else:
            self.stream.write(f"{self.label}: {done}/{result.total}  {counts}{self._eta(result)}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False

    def _eta(self, result) -> str:
        if not result.rendered or result.done >= result.total:
            return ""
        per_item = (time.monotonic() - self.started) / result.rendered
        left = per_item * (result.total - result.done)
        return f"  about {left / 60:.0f} min left" if left >= 90 else f"  about {left:.0f} s left"
