"""Quiet or normal: the one place that decides, and the only writer of what the decision rests on
(the user's voice choice in memory, this process's caches, the session's copy, the device zone).

The user's choice wins ("whisper", "speak normally"); without one, the device's clock does: its
zone from this process's cache, the session, or (off the mid-cramp path) the Settings API and
the user's memory. The mid-cramp path starts that lookup in the background for the next turn.
Without any zone, the locale's country decides: night when it is night in all of its zones.
"""

from __future__ import annotations

import datetime as dt

from skill.config import Settings
from skill.devicetime import TTLCache, Zones, country_zones, is_night, zone_info
from skill.logs import pseudonym
from skill.turn import Clock, Turn

VOICE_TTL = 6 * 3600.0  # how long this process trusts what it learnt of a user's voice


class Night:
    def __init__(self, settings: Settings, zones: Zones | None = None, size: int = 4096):
        self.start, self.end = settings.night_start, settings.night_end
        self.zones = zones if zones is not None else Zones(size)  # the Settings API client, injected
        self.voices = TTLCache(size)  # user pseudonym -> "whisper" | "normal" | "" (none chosen)

    def decide(self, t: Turn, *, allow_io: bool) -> bool:
        """Whether to speak quietly. ``allow_io=False`` (the mid-cramp path) uses only what this
        process or the session already knows; True may read memory and ask the Settings API
        (within devicetime.SETTINGS_TIMEOUT)."""
        known = t.session.clock
        voice = self._voice(t, allow_io) or known.voice
        zone = None
        if voice is None:
            zone = self._device_zone(t, allow_io) or known.zone
        if allow_io:
            t.session.clock = Clock(voice, zone or known.zone)
        if voice is not None:
            return voice == "whisper"
        timestamp = t.facts.timestamp or dt.datetime.now(dt.UTC)
        if zone is None:
            return self.everywhere_night(timestamp, t.content.countries)
        return is_night(timestamp, zone_info(zone), self.start, self.end)

    def everywhere_night(self, timestamp: dt.datetime, countries: tuple[str, ...]) -> bool:
        """Without the device's zone: night if it is night in every zone of the countries the
        locale serves (08:00 UTC is between 21:00 and 07:00 from New York to Honolulu; en-GB is
        Britain and Ireland, en-AU Australia and New Zealand). Where the zones disagree nothing
        says which one the device is in, so it speaks normally."""
        zones = [zone for country in countries for zone in country_zones(country)]
        return bool(zones) and all(is_night(timestamp, zone, self.start, self.end) for zone in zones)

    def choose(self, t: Turn, voice: str | None) -> None:
        """The user's choice: "whisper", "normal", or None (back to the clock), from this answer on."""
        t.memory.voice = voice
        if t.memory.user:
            self.voices.put(t.memory.user, voice or "", VOICE_TTL)
        t.session.clock = t.session.clock._replace(voice=voice)
        t.quiet = voice == "whisper" if voice else self.decide(t, allow_io=True)

    def forget(self, t: Turn) -> None:
        """Forget me: nothing of the voice or the device's zone stays in this process or session."""
        if t.memory.user:
            self.voices.pop(t.memory.user)
        if (device := pseudonym(t.facts.device_id)) is not None:
            self.zones.forget(device)
        t.session.clock = None

    def _voice(self, t: Turn, allow_io: bool) -> str | None:
        if t.memory.loaded:
            return t.memory.voice
        user = t.memory.user
        if user is None:
            return None
        cached = self.voices.get(user)
        if cached is not None or not allow_io:
            return cached or None
        voice = t.memory.voice  # reads the store
        if t.memory.trusted:  # not when the store just failed: that says nothing of the user
            self.voices.put(user, voice or "", VOICE_TTL)
        return voice

    def _device_zone(self, t: Turn, allow_io: bool) -> str | None:
        """The device's IANA zone: the process cache; with allow_io also the Settings API, then the
        user's memory (when the API has no answer in time). What is found is kept in both."""
        device_id = t.facts.device_id
        if not device_id:
            return None
        key = pseudonym(device_id)
        zone = self.zones.known(key)
        if zone is not None:
            if allow_io and t.memory.zone != zone:  # learnt in the background: keep it for a new process too
                t.memory.zone = zone
            return zone
        if not allow_io:  # the mid-cramp path never waits: the answer comes back for the next turn
            self.zones.prefetch(t.facts.api_endpoint, device_id, t.facts.api_token)
            return None
        zone = self.zones.lookup(t.facts.api_endpoint, device_id, t.facts.api_token)
        if zone is not None:
            t.memory.zone = zone
            return zone
        zone = t.memory.zone
        if zone is not None:
            self.zones.remember(key, zone)
        return zone
