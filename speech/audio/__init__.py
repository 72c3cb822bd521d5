"""The audio pack: every clip the skill can say, pre-rendered to Alexa-ready MP3.

plan (clip id -> script, from ``Speaker.clips()``) -> synthesize (an engine) -> transcode
(ffmpeg) -> manifest (clip id -> file, duration, hash). ``AudioSSML`` turns utterances into
``<audio>`` SSML from a manifest; ``pack`` writes offline playlists; ``play`` plays clips here.
"""

from speech.audio.manifest import Clip, Manifest, ManifestError, Stale, stale_summary

__all__ = ["Clip", "Manifest", "ManifestError", "Stale", "stale_summary"]
