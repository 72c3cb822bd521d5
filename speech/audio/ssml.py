"""Utterances as <audio> SSML from the pack, within Alexa's limits, or None to speak text.

Alexa plays at most 5 <audio> clips and 240 s of audio in one response, speech and reprompt
together, and at most 90 s in the reprompt. A ``Budget`` carries what is left across the two.
"""

from __future__ import annotations

from dataclasses import dataclass

from speech import ssml
from speech.audio.manifest import Manifest
from speech.catalog import Utterance

MAX_CLIPS = 5
MAX_SECONDS = 240.0
MAX_REPROMPT_SECONDS = 90.0


@dataclass
class Budget:
    clips: int = MAX_CLIPS
    seconds: float = MAX_SECONDS
    reprompt_seconds: float = MAX_REPROMPT_SECONDS


class AudioSSML:
    def __init__(self, manifest: Manifest, locale: str, base_url: str):
        if not base_url.startswith("https://"):
            raise ValueError(f"audio base URL must be https:// (Alexa plays only HTTPS audio), got {base_url!r}")
        self.manifest = manifest
        self.locale = locale
        self.base_url = base_url.rstrip("/")

    def fragment(self, utterance: Utterance, budget: Budget, *, reprompt: bool = False) -> str | None:
        """The utterance with each spoken piece as its clip and each pause as its breaks; None
        (and the budget untouched) when a piece has no clip or the clips would not fit the budget."""
        parts, count, seconds = [], 0, 0.0
        for piece in utterance.pieces:
            if piece.clip is None:
                if piece.ssml:
                    parts.append(piece.ssml)
                continue
            clip = self.manifest.clip(self.locale, piece.clip)
            if clip is None:
                return None
            parts.append(ssml.audio(f"{self.base_url}/{clip.file}"))
            count += 1
            seconds += clip.duration
        if not count or count > budget.clips or seconds > budget.seconds \
                or (reprompt and seconds > budget.reprompt_seconds):
            return None
        budget.clips -= count
        budget.seconds -= seconds
        if reprompt:
            budget.reprompt_seconds -= seconds
        return " ".join(parts)

    def response(self, speech: Utterance, reprompt: Utterance | None = None) -> tuple[str | None, str | None]:
        """SSML fragments for the speech and the reprompt sharing one budget; either is None when
        it must be spoken as text. Clips are for the day: a clip cannot whisper."""
        budget = Budget()
        said = self.fragment(speech, budget)
        again = self.fragment(reprompt, budget, reprompt=True) if reprompt is not None else None
        return said, again
