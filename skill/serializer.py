"""Request envelopes read into ask-sdk's model classes from parsed JSON, by the contract the SDK
documents for its models, with responses serialised by the SDK itself.

ask-sdk's ``DefaultSerializer.deserialize`` takes a JSON string, parses the timestamp with
dateutil and resolves every model class by name for every field: most of a request's time
before a handler runs. Its documented model contract (``deserialized_types``, ``attribute_map``,
``get_real_child_model`` for polymorphic types, enums by value) is all that is needed to build
the same objects straight from the dict we already parsed. Only the public ``deserialize`` is
overridden; tests compare every fixture and fuzzed envelope with the SDK's own result, so an SDK
release that changes the contract fails them instead of changing behaviour.

Differences, on purpose: properties the model does not declare are ignored (the SDK copies them
onto the object with setattr, and one named ``__dict__`` breaks it), and a dict is accepted as
well as a string.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import json
import re
from enum import Enum
from typing import Any

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer

_LIST = re.compile(r"list\[(.*)\]")
_DICT = re.compile(r"dict\(([^,]*), (.*)\)")
_NATIVE = DefaultSerializer.NATIVE_TYPES_MAPPING
_PRIMITIVE = tuple(DefaultSerializer.PRIMITIVE_TYPES)


class Serializer(DefaultSerializer):
    def deserialize(self, payload, obj_type):
        if payload is None:
            return None
        if isinstance(payload, (str, bytes, bytearray)):
            try:
                payload = json.loads(payload)
            except (ValueError, RecursionError):
                raise SerializationException("the body is not JSON") from None
        try:
            return _read(payload, obj_type)
        except SerializationException:
            raise
        except (TypeError, ValueError, AttributeError, KeyError, RecursionError) as exc:
            raise SerializationException(f"{type(exc).__name__}: {exc}") from None


@functools.lru_cache(maxsize=1024)
def _resolve(name: str) -> Any:
    if name in _NATIVE:
        return _NATIVE[name]
    module, _, cls = name.rpartition(".")
    try:
        return getattr(importlib.import_module(module), cls)
    except (ImportError, AttributeError, ValueError):
        raise SerializationException(f"no model class {name!r}") from None


@functools.lru_cache(maxsize=1024)
def _fields(cls) -> tuple[tuple[str, str, str], ...]:
    """(attribute, JSON property, declared type) for every field a model class declares."""
    names = getattr(cls, "attribute_map", {}) or {}
    return tuple((attr, names.get(attr, attr), kind) for attr, kind in cls.deserialized_types.items())


def _read(data: Any, kind: Any) -> Any:
    if data is None:
        return None
    if isinstance(kind, str):
        if kind.startswith("list["):
            inner = _LIST.match(kind)[1].strip()
            return [_read(item, inner) for item in _as(list, data)]
        if kind.startswith("dict("):
            inner = _DICT.match(kind)[2]
            return {key: _read(value, inner) for key, value in _as(dict, data).items()}
        kind = _resolve(kind)
    if kind in (dt.datetime, dt.date):
        return _when(data, kind)
    if kind is object:
        return data
    if kind in _PRIMITIVE:
        try:
            return kind(data)
        except TypeError:
            return data  # as the SDK does: a list where a string belongs stays a list
        except ValueError:
            raise SerializationException(f"{data!r} is not a {kind.__name__}") from None
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(data)
    if not hasattr(kind, "deserialized_types"):
        return data
    _as(dict, data)
    if hasattr(kind, "get_real_child_model"):
        child = kind.get_real_child_model(data)
        if not child:
            raise SerializationException(f"no {kind.__name__} of type {data.get('type')!r}")
        kind = _resolve(child)
    model = kind()
    for attr, key, declared in _fields(kind):
        if key in data:
            setattr(model, attr, _read(data[key], declared))
    return model


def _as(kind: type, data: Any) -> Any:
    if not isinstance(data, kind):
        raise SerializationException(f"expected a JSON {kind.__name__}, got {type(data).__name__}")
    return data


def _when(data: Any, kind: type) -> dt.date | dt.datetime:
    if not isinstance(data, str):
        raise SerializationException(f"expected a timestamp, got {type(data).__name__}")
    try:
        parsed = dt.datetime.fromisoformat(data)
    except ValueError:
        from dateutil.parser import parse  # the SDK's own parser, for what ISO 8601 does not cover

        try:
            parsed = parse(data)
        except (ValueError, OverflowError):
            raise SerializationException(f"{data!r} is not a timestamp") from None
    return parsed.date() if kind is dt.date else parsed
