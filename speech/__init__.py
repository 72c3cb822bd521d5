"""Turns content keys and slots into SSML and plain text. Knows nothing of Flask or ask-sdk."""

from speech.catalog import SILENCE, Speaker, Utterance

__all__ = ["SILENCE", "Speaker", "Utterance"]
