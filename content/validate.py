"""The validator that builds content.schema's classes from plain YAML data.

It walks the dataclass type hints, so the schema lives in one place. It rejects unknown keys,
checks types and value rules, and collects every problem as ``path: message`` instead of
stopping at the first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
import typing
from typing import Literal


class Invalid(Exception):
    """Raised by ``build`` with every problem found, each as ``(path, message)``."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def build(cls, data, path: str = ""):
    """Build ``cls`` from plain YAML data, raising ``Invalid`` with every problem found."""
    problems: list[tuple[str, str]] = []
    value = _convert(cls, data, path, problems)
    if problems:
        raise Invalid(problems)
    return value


def _join(path: str, part) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else str(part)


def _convert(tp, data, path, problems):
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if dataclasses.is_dataclass(tp):
        return _convert_dataclass(tp, data, path, problems)
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], data, path, problems)
    if origin is Literal:
        if data not in args:
            problems.append((path, f"must be one of {', '.join(map(str, args))}, not {data!r}"))
        return data
    if origin is tuple:
        if isinstance(data, str) and args[0] is str:
            data = [data]
        if not isinstance(data, list):
            problems.append((path, f"must be a list, not {type(data).__name__}"))
            return ()
        return tuple(_convert(args[0], item, _join(path, i), problems) for i, item in enumerate(data))
    if origin is dict:
        if not isinstance(data, dict):
            problems.append((path, f"must be a mapping, not {type(data).__name__}"))
            return {}
        return types.MappingProxyType(
            {str(k): _convert(args[1], v, _join(path, k), problems) for k, v in data.items()}
        )
    if tp is dt.date:
        if isinstance(data, dt.date):
            return data
        try:
            return dt.date.fromisoformat(str(data))
        except ValueError:
            problems.append((path, f"must be a date YYYY-MM-DD, not {data!r}"))
            return None
    if tp is int and isinstance(data, bool) or not isinstance(data, tp):
        problems.append((path, f"must be {tp.__name__}, not {type(data).__name__}"))
    return data


@functools.cache
def _fields(cls) -> tuple[dict, dict]:
    # Resolving string annotations is slow; do it once per class, not once per item.
    return typing.get_type_hints(cls), {f.name: f for f in dataclasses.fields(cls)}


def _convert_dataclass(cls, data, path, problems):
    if not isinstance(data, dict):
        problems.append((path or "(top)", f"must be a mapping, not {type(data).__name__}"))
        return None
    hints, fields = _fields(cls)
    for key in data:
        if key not in fields:
            problems.append((_join(path, key), f"unknown key (allowed: {', '.join(fields)})"))
    values = {}
    for name, f in fields.items():
        if name in data:
            values[name] = _convert(hints[name], data[name], _join(path, name), problems)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            problems.append((_join(path, name), "is required"))
    if any(name not in values and fields[name].default is dataclasses.MISSING
           and fields[name].default_factory is dataclasses.MISSING for name in fields):
        return None
    obj = cls(**values)
    for message in obj.check() if hasattr(obj, "check") else ():
        # check() messages read "field: what is wrong"; the field joins the path.
        where, _, what = message.partition(": ")
        problems.append((f"{path}.{where}" if where[0] != "[" else path + where, what))
    return obj
