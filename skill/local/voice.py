"""Plays a local answer on this machine: the audio pack's clips where it has them, espeak-ng
(offline) for the rest, and the pauses as silence."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from skill.local import spoken


class Voice:
    """Says segments aloud with ``player`` (speech.audio.play.find_player's command line)."""

    def __init__(self, player: Sequence[str], locale: str, scripts: spoken.ClipScripts | None,
                 sleep: Callable[[float], None] = time.sleep, on_start: Callable[[Path], None] | None = None):
        from speech.audio.engines import EspeakEngine

        self.player, self.locale, self.scripts = list(player), locale, scripts
        self.engine = EspeakEngine()
        self.sleep, self.on_start = sleep, on_start

    def play(self, parts: Sequence[spoken.Segment]) -> None:
        """Raises speech.audio.play.PlayerFailed when the machine cannot play sound, and
        speech.audio.engines.EngineError when espeak-ng cannot speak."""
        from speech.audio.play import play

        with tempfile.TemporaryDirectory(prefix="cramp-coach-voice-") as scratch:
            for number, part in enumerate(parts):
                if isinstance(part, spoken.Pause):
                    self.sleep(part.seconds)
                    continue
                path = self.scripts.path(part.file) if isinstance(part, spoken.Clip) and self.scripts else None
                if path is None:
                    text = part.text if isinstance(part, spoken.Say) else spoken.shown([part], lambda s: "", self.scripts)
                    if not text.strip():
                        continue
                    path = Path(scratch) / f"{number}{self.engine.suffix}"
                    self.engine.render(text, self.locale, path)
                play([path], self.player, on_start=self.on_start)
