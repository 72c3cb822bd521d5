"""What Cramp Coach remembers about a user between sessions, as a typed view over one record.

Each Turn has its user's Memory. It reads the store only when a field is first used, so the
mid-cramp path (LaunchRequest, CrampNowIntent) never touches it, and it is saved by MemorySaver
after the handler, only when something changed. It is storage only: what the voice and zone mean
is skill.night's business. The record holds these fields and nothing else; each is checked when
read and dropped when it is not what we wrote:

    {"voice": "whisper" | "normal",
     "tips_heard": ["tip id", ...],
     "routine": {"muscle": "calf", "step": 2, "round": 1, "saved_at": <epoch seconds>},
     "timezone": {"device": <pseudonymised device id>, "zone": "Europe/London"},
     "pace": "hands_free" | "step_by_step",
     "reminder": {"id": "<Reminders API alert token>", "time": "22:00"},
     "reminder_offered": true}
"""

from __future__ import annotations

import functools
import json
import logging
import re
import time
from collections.abc import Mapping
from typing import Any

from skill.devicetime import zone_info
from skill.envelope import Facts
from skill.logs import pseudonym

log = logging.getLogger("cramp_coach.memory")

VOICES = ("whisper", "normal")
HANDS_FREE, STEP_BY_STEP = PACES = ("hands_free", "step_by_step")  # how a guided stretch goes: the user's choice
_MAX_TOKEN = 256  # a Reminders API alert token
ROUTINE_TTL = 15 * 60  # a routine left longer ago than this is not offered again
MAX_TIPS = 200  # more than the content has: the list is a bound on the record, not a policy
CLOCK_SKEW = 60  # seconds a saved_at may lie in the future (hosts' clocks differ)
_MAX_ID = 64
_ROUTINE = ("muscle", "step", "round", "saved_at")


def _text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= _MAX_ID


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def clean(record: Any) -> tuple[dict[str, Any], list[str]]:
    """The fields of a stored record we can trust, and the names of those dropped."""
    record = record if isinstance(record, dict) else {}
    kept: dict[str, Any] = {}
    if record.get("voice") in VOICES:
        kept["voice"] = record["voice"]
    tips = record.get("tips_heard")
    if isinstance(tips, list) and all(_text(tip) for tip in tips):
        kept["tips_heard"] = list(dict.fromkeys(tips))[-MAX_TIPS:]
    if (routine := _routine(record.get("routine"))) is not None:
        kept["routine"] = routine
    zone = record.get("timezone")
    if isinstance(zone, dict) and _text(zone.get("device")) and zone_info(zone.get("zone")) is not None:
        kept["timezone"] = {"device": zone["device"], "zone": zone["zone"]}
    if record.get("pace") in PACES:
        kept["pace"] = record["pace"]
    if (reminder := _reminder(record.get("reminder"))) is not None:
        kept["reminder"] = reminder
    if record.get("reminder_offered") is True:
        kept["reminder_offered"] = True
    dropped = sorted(name for name in record if name not in kept)
    return kept, dropped


def _routine(value: Any) -> dict[str, Any] | None:
    if (isinstance(value, Mapping) and _text(value.get("muscle"))
            and all(_count(value.get(name)) for name in _ROUTINE[1:])):
        return {name: value[name] for name in _ROUTINE}
    return None


def _reminder(value: Any) -> dict[str, str] | None:
    if (isinstance(value, Mapping) and isinstance(value.get("id"), str) and 0 < len(value["id"]) <= _MAX_TOKEN
            and isinstance(value.get("time"), str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value["time"])):
        return {"id": value["id"], "time": value["time"]}
    return None



class _Choice:
    """A remembered value that is one of ``allowed``, or None (forgotten)."""

    def __init__(self, allowed: tuple[str, ...]):
        self.allowed = allowed

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, memory, owner=None):
        return self if memory is None else memory._get().get(self.name)

    def __set__(self, memory, value: str | None) -> None:
        if value is not None and value not in self.allowed:
            raise ValueError(f"{self.name} must be one of {self.allowed} or None, got {value!r}")
        memory._set(self.name, value)

class Memory:
    """One user's record for one request. Setters change this view; MemorySaver stores it.
    ``envelope`` is the SDK's request envelope, which the persistence adapters key by user."""

    def __init__(self, envelope, facts: Facts, adapter):
        self._ids = (facts.user_id, facts.device_id)
        self._envelope = envelope
        self._adapter = adapter
        self._record: dict[str, Any] | None = None
        self._changed = False

    @functools.cached_property
    def user(self) -> str | None:
        """The user's pseudonym (as in the logs); None: nothing is read or kept."""
        return pseudonym(self._ids[0])

    @functools.cached_property
    def device(self) -> str | None:
        return pseudonym(self._ids[1])

    @property
    def loaded(self) -> bool:
        """Whether the record has been read in this request (then reading a field costs no I/O)."""
        return self._record is not None

    @property
    def trusted(self) -> bool:
        """False when the store is failing: an empty record then says nothing about the user."""
        return bool(self.user) and getattr(self._adapter, "available", True)

    def _get(self) -> dict[str, Any]:
        if self._record is None:
            raw = self._adapter.get_attributes(self._envelope) if self.user else {}
            self._record, dropped = clean(raw)
            if dropped:
                log.warning(json.dumps({"memory": "dropped fields", "user": self.user, "fields": dropped[:10]},
                                       separators=(",", ":")))
                self._changed = True  # the next save writes the repaired record
        return self._record

    def _set(self, name: str, value: Any) -> None:
        record = self._get()
        if record.get(name) != value:
            if value is None:
                record.pop(name, None)
            else:
                record[name] = value
            self._changed = True

    voice = _Choice(VOICES)  # whisper | normal | None (the clock decides)

    @property
    def tips_heard(self) -> tuple[str, ...]:
        return tuple(self._get().get("tips_heard", ()))

    @tips_heard.setter
    def tips_heard(self, tips) -> None:
        tips = list(dict.fromkeys(tips))[-MAX_TIPS:]
        if not all(_text(tip) for tip in tips):
            raise ValueError("tip ids must be non-empty strings of at most 64 characters")
        self._set("tips_heard", tips or None)

    @property
    def routine(self) -> dict[str, Any] | None:
        """{muscle, step, round, saved_at (epoch seconds)} of the routine last left, or None."""
        found = self._get().get("routine")
        return dict(found) if found else None

    @routine.setter
    def routine(self, state: Mapping[str, Any] | None) -> None:
        """Remember a routine from its {muscle, step, round} (other keys are not kept);
        saved_at is now unless given."""
        if state is not None:
            given = state
            state = _routine({**state, "saved_at": int(state.get("saved_at") or time.time())})
            if state is None:
                raise ValueError(f"not a routine: {given!r}")
        self._set("routine", state)

    def resumable(self, now: float | None = None) -> dict[str, Any] | None:
        """The routine last left, if that was within ROUTINE_TTL (15 minutes), else None."""
        routine = self.routine
        now = time.time() if now is None else now
        return routine if routine and -CLOCK_SKEW <= now - routine["saved_at"] <= ROUTINE_TTL else None

    @property
    def zone(self) -> str | None:
        """The IANA zone remembered for this request's device (one device per user is kept)."""
        found = self._get().get("timezone")
        return found["zone"] if found and found["device"] == self.device else None

    @zone.setter
    def zone(self, name: str | None) -> None:
        if name is not None and (zone_info(name) is None or self.device is None):
            raise ValueError(f"not a known time zone for a device: {name!r}")
        self._set("timezone", {"device": self.device, "zone": name} if name else None)

    pace = _Choice(PACES)  # hands_free | step_by_step | None (step by step)

    @property
    def reminder(self) -> dict[str, str] | None:
        """{id, time ("HH:MM")} of the bedtime reminder set through the Reminders API, or None."""
        found = self._get().get("reminder")
        return dict(found) if found else None

    @reminder.setter
    def reminder(self, value: Mapping[str, str] | None) -> None:
        if value is not None and _reminder(value) is None:
            raise ValueError(f"not a reminder: {value!r}")
        self._set("reminder", _reminder(value) if value is not None else None)

    @property
    def reminder_offered(self) -> bool:
        return self._get().get("reminder_offered") is True

    @reminder_offered.setter
    def reminder_offered(self, value: bool) -> None:
        self._set("reminder_offered", True if value else None)

    def save(self) -> bool:
        """Store the record if it changed; False when nothing was written (unchanged or store down)."""
        if not (self._changed and self.user and self._record is not None):
            return False
        record, _ = clean(self._record)
        saved = self._adapter.save_attributes(self._envelope, record)
        self._changed = not saved
        return bool(saved)

    def forget(self) -> bool:
        """Delete everything kept about the user. False if the store could not be reached."""
        self._record, self._changed = {}, False
        return bool(self._adapter.delete_attributes(self._envelope)) if self.user else True
