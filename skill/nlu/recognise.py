"""The local recogniser: a typed or transcribed sentence -> the intent and slot ids Alexa would
send for it, from the same grammar the Alexa models are generated from (hassil's matcher)."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from content.grammar import Grammar, grammar, is_built_in, normal

_NOT_SPOKEN = re.compile(r"[^\w' ]+")


@dataclass(frozen=True)
class Heard:
    intent: str
    slots: dict[str, str]  # slot name -> content id
    spoken: dict[str, str]  # slot name -> the words said for it


class Recogniser:
    def __init__(self, grammar: Grammar):
        from hassil import Intents

        self.grammar = grammar
        # A built-in slot (AMAZON.TIME) takes what was said as it is: Alexa would resolve it.
        # Accents folded on both sides: typed "tetanos" is "tétanos" (Alexa's own text has them).
        lists = {slot: {"wildcard": True} if is_built_in(slot_type) else
                 {"values": [{"in": fold(spoken), "out": value_id}
                             for spoken, value_id in grammar.values(slot_type).items()]}
                 for slot, slot_type in grammar.slots.items()}
        self.intents = Intents.from_dict({
            "language": grammar.language,
            "intents": {name: {"data": [{"sentences": [fold(t) for t in templates]}]}
                        for name, templates in grammar.intents.items()},
            "lists": lists,
            "expansion_rules": {name: fold(body) for name, body in grammar.rules.items()},
        })

    def __call__(self, text: str) -> Heard | None:
        """What ``text`` means, or None when no sentence of the grammar matches it."""
        from hassil import recognize

        said = fold(normal(_NOT_SPOKEN.sub(" ", text)))
        if not said:
            return None
        found = recognize(said, self.intents)
        if found is None:
            return None
        slots = {name: entity.value for name, entity in found.entities.items()}
        spoken = {name: entity.text for name, entity in found.entities.items()}
        return Heard(found.intent.name, slots, spoken)


def fold(text: str) -> str:
    """``text`` without its accents ("pantorrilla" stays, "tétanos" is "tetanos")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=None)
def recogniser(locale: str) -> Recogniser:
    return Recogniser(grammar(locale))
