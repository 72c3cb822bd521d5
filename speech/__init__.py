"""Turns content keys and slots into SSML and plain text. Knows nothing of Flask or ask-sdk."""

from speech.catalog import SILENCE, Piece, Speaker, Utterance

__all__ = ["SILENCE", "Piece", "Speaker", "Utterance"]
