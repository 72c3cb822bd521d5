"""ask-sdk's DefaultSerializer with its two hot spots made cheap, and nothing else changed.

Profiling lambda_handler showed about 40% of request deserialisation in dateutil parsing the
request timestamp and most of the rest in re-importing model classes by name for every field.
Alexa's timestamps are ISO 8601, which ``datetime.fromisoformat`` reads directly; anything it
rejects still goes to the SDK's own parser, so behaviour is unchanged. One addition: a property
named like a Python internal ("__dict__") is refused, where the SDK would corrupt its model.
"""

from __future__ import annotations

import datetime as dt
import functools

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer

_parent_datetime = DefaultSerializer._DefaultSerializer__deserialize_datetime
_parent_load_class = DefaultSerializer._DefaultSerializer__load_class_from_name
_parent_model = DefaultSerializer._DefaultSerializer__deserialize_model


_plain = DefaultSerializer()


@functools.lru_cache(maxsize=1024)
def _load_class(class_name: str):
    return _parent_load_class(_plain, class_name)


class Serializer(DefaultSerializer):
    def _DefaultSerializer__deserialize_datetime(self, payload, obj_type):
        if isinstance(payload, str):
            try:
                parsed = dt.datetime.fromisoformat(payload)
            except ValueError:
                pass
            else:
                return parsed.date() if obj_type is dt.date else parsed
        return _parent_datetime(self, payload, obj_type)

    def _DefaultSerializer__load_class_from_name(self, class_name):
        return _load_class(class_name)

    def deserialize(self, payload, obj_type):
        # The SDK copies unknown properties onto the model with setattr, so one named "__dict__"
        # would wipe the model and fail later, outside any handler. No Alexa property starts "__";
        # only text that has one pays for the check.
        if isinstance(payload, str) and '"__' in payload:
            return _Guarded().deserialize(payload, obj_type)
        return super().deserialize(payload, obj_type)


class _Guarded(Serializer):
    def deserialize(self, payload, obj_type):
        return DefaultSerializer.deserialize(self, payload, obj_type)

    def _DefaultSerializer__deserialize_model(self, payload, obj_type):
        if type(payload) is dict:
            for key in payload:  # JSON keys are strings
                if key[:2] == "__":
                    raise SerializationException(f"the property {key!r} names a Python internal")
        return _parent_model(self, payload, obj_type)
