"""The device's local time: its time zone from the Alexa Settings API, and whether a moment is
inside the night window on that clock (skill.night decides what that means for speech).

Nothing here raises into a handler and nothing waits longer than SETTINGS_TIMEOUT (a hard total
bound: the request runs on a worker thread and the caller stops waiting). What a process has
learnt about a device is kept in a bounded cache with a TTL, so the mid-cramp path can use it
without I/O.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skill.logs import pseudonym

if TYPE_CHECKING:  # imported when first needed: they are not on the mid-cramp path (cold start)
    import concurrent.futures
    from zoneinfo import ZoneInfo

log = logging.getLogger("cramp_coach.devicetime")

SETTINGS_TIMEOUT = 0.3  # seconds, total, for one Settings API lookup
ZONE_TTL = 6 * 3600.0  # a device's zone changes rarely; a move is picked up within hours
MISS_TTL = 60.0  # after a failed lookup, the API is left alone for this long (per device)
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}")
_MISSING = object()


def zone_info(name: Any) -> ZoneInfo | None:
    """The zone for an IANA name; None for anything else (bad type, path tricks, unknown zone)."""
    if not isinstance(name, str) or len(name) > 64 or not _ZONE_NAME.fullmatch(name):
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


@functools.lru_cache(maxsize=64)
def country_zones(country: str) -> tuple[ZoneInfo, ...]:
    """Every time zone tzdata lists for an ISO 3166 country code ("US": New York to Honolulu)."""
    from importlib import resources

    try:
        table = (resources.files("tzdata.zoneinfo") / "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        return ()
    names = [line.split("\t")[2] for line in table.splitlines()
             if line and not line.startswith("#") and line.split("\t")[0] == country.upper()]
    return tuple(zone for name in names if (zone := zone_info(name)) is not None)


def is_night(timestamp: dt.datetime, zone: ZoneInfo | None, start: dt.time, end: dt.time) -> bool:
    """Whether `timestamp` falls in [start, end) on the clock of `zone`; the window may wrap midnight.
    No zone, no night: without the device's clock we speak normally."""
    if zone is None or start == end:
        return False
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=dt.UTC)  # Alexa's timestamps are UTC
    try:
        local = timestamp.astimezone(zone).time().replace(tzinfo=None)
    except (OverflowError, ValueError):  # at the ends of the calendar (year 1, year 9999)
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


class TTLCache:
    """A bounded LRU mapping whose entries expire. Thread-safe."""

    def __init__(self, size: int = 4096, clock: Callable[[], float] = time.monotonic):
        self.size = size
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return default
            if found[0] < self._clock():
                del self._items[key]
                return default
            self._items.move_to_end(key)
            return found[1]

    def put(self, key: str, value: Any, ttl: float) -> None:
        with self._lock:
            self._items[key] = (self._clock() + ttl, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def pop(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


def _fetch(endpoint: str, device_id: str, token: str, timeout: float) -> str | None:
    import urllib.parse
    import urllib.request

    url = f"{endpoint.rstrip('/')}/v2/devices/{urllib.parse.quote(device_id, safe='')}/settings/System.timeZone"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            body = answer.read(1024)
        name = json.loads(body)
    except Exception as exc:  # noqa: BLE001 - HTTP errors, timeouts, bad HTTP, bad JSON: all a miss
        log.info("device time zone unavailable: %s", type(exc).__name__)
        return None
    if zone_info(name) is None:
        log.info("device time zone not usable: %.40r", name)
        return None
    return name


class Zones:
    """Device time zones known to this process, and Settings API lookups with a hard deadline."""

    def __init__(self, size: int = 4096, timeout: float = SETTINGS_TIMEOUT,
                 clock: Callable[[], float] = time.monotonic):
        self.timeout = timeout
        self.cache = TTLCache(size, clock)
        self._lock = threading.Lock()
        self._pending: dict[str, concurrent.futures.Future] = {}
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._pid = 0

    def known(self, device_key: str) -> str | None:
        """The zone name cached for a device (pseudonymised id), or None. No I/O."""
        found = self.cache.get(device_key)
        return found or None

    def remember(self, device_key: str, zone: str | None) -> None:
        self.cache.put(device_key, zone or "", ZONE_TTL if zone else MISS_TTL)

    def forget(self, device_key: str) -> None:
        self.cache.pop(device_key)

    def prefetch(self, endpoint: str | None, device_id: str | None, token: str | None) -> None:
        """Start a lookup in the background and return at once: the next request knows the zone."""
        if endpoint and device_id and token and self.cache.get(pseudonym(device_id), _MISSING) is _MISSING:
            try:
                self._submit(pseudonym(device_id), endpoint, device_id, token)
            except RuntimeError:  # the interpreter is shutting down: nothing to learn for
                pass

    def lookup(self, endpoint: str | None, device_id: str | None, token: str | None) -> str | None:
        """The device's zone from the cache or the Settings API, within `timeout` seconds in all."""
        if not (endpoint and device_id and token):
            return None
        key = pseudonym(device_id)
        cached = self.cache.get(key, _MISSING)
        if cached is not _MISSING:
            return cached or None
        future = self._submit(key, endpoint, device_id, token)
        try:
            return future.result(timeout=self.timeout)
        except TimeoutError:  # concurrent.futures.TimeoutError is this one since Python 3.11
            # The worker finishes on its own (its socket timeouts are the same) and caches the
            # answer for the next request.
            log.info("device time zone: no answer within %.0f ms", self.timeout * 1000)
            return None
        except Exception as exc:  # noqa: BLE001 - never into a handler
            log.info("device time zone lookup failed: %s", type(exc).__name__)
            return None

    def _submit(self, key: str, endpoint: str, device_id: str, token: str) -> concurrent.futures.Future:
        with self._lock:
            if self._pid != os.getpid():  # built before a fork: threads do not survive it
                self._pool, self._pending, self._pid = None, {}, os.getpid()
            if (future := self._pending.get(key)) is not None:
                return future
            if self._pool is None:
                from concurrent.futures import ThreadPoolExecutor

                self._pool = ThreadPoolExecutor(2, thread_name_prefix="cc-devicetime")
            future = self._pool.submit(self._run, key, endpoint, device_id, token)
            self._pending[key] = future
            return future

    def _run(self, key: str, endpoint: str, device_id: str, token: str) -> str | None:
        try:
            zone = _fetch(endpoint, device_id, token, self.timeout)
            self.remember(key, zone)
            return zone
        finally:
            with self._lock:
                self._pending.pop(key, None)
