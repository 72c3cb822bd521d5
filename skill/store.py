"""Per-user persistence behind ask-sdk's AbstractPersistenceAdapter: SQLite, DynamoDB or none.

`open_store(url)` returns a GuardedAdapter, which opens the real store lazily (no file, no boto3
import, no network until a record is first read or written) and keeps every fault away from the
user: a read that fails gives an empty record, a write that fails is dropped, one WARNING is
logged per failure (user ids pseudonymised), and the store is left alone for BACKOFF_SECONDS
before it is tried again.

Time bound per operation (documented in the README):
- SQLite: busy_timeout of BUSY_TIMEOUT_MS (200 ms) per statement, one statement per operation;
  the first operation of a thread also sets WAL and the schema (at most three statements).
- DynamoDB: a single attempt, connect and read timeouts of DYNAMODB_TIMEOUT (0.5 s) each.
After a failure, operations during the back-off cost nothing.
"""

from __future__ import annotations

import decimal
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException

from skill.envelope import user_id as envelope_user
from skill.logs import pseudonym

if TYPE_CHECKING:
    import sqlite3

log = logging.getLogger("cramp_coach.store")

BUSY_TIMEOUT_MS = 200  # a locked database costs a request at most this, not Alexa's 8 s
DYNAMODB_TIMEOUT = 0.5  # connect and read, one attempt: a slow store must not delay an answer
BACKOFF_SECONDS = 5.0  # after a failure the store is left alone, so a dead one costs nothing


class CorruptRecord(PersistenceException):
    """The store answered, but what it holds for the user is not a JSON object."""


class NoUser(PersistenceException):
    """The request carries no user id (CanFulfillIntentRequest may come without one)."""


def user_id(envelope) -> str:
    """The record's key: the user id of an SDK request envelope (skill.envelope's rule)."""
    user = envelope_user(envelope)
    if user is None:
        raise NoUser("the request has no user id")
    return user


class NullAdapter(AbstractPersistenceAdapter):
    """Store `none`: nothing is kept."""

    def get_attributes(self, request_envelope) -> dict:
        return {}

    def save_attributes(self, request_envelope, attributes) -> None:
        pass

    def delete_attributes(self, request_envelope) -> None:
        pass


class SqliteAdapter(AbstractPersistenceAdapter):
    """One row per user: id -> JSON object. WAL, so readers never wait for a writer.

    Connections are per thread and per process (checked by pid), opened on first use, so the
    adapter may be built before gunicorn forks its workers.
    """

    def __init__(self, path: Path | str, busy_timeout_ms: int = BUSY_TIMEOUT_MS):
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._inherited: list[sqlite3.Connection] = []

    def _connection(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) == os.getpid():
            return local.connection
        if getattr(local, "connection", None) is not None:
            # Opened before a fork: SQLite must not use it here, and closing it could disturb
            # the parent's locks, so it is kept (unused) rather than closed.
            self._inherited.append(local.connection)
            local.connection = None
        import sqlite3  # not on the cold-start path of the DynamoDB store

        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None)
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")  # WAL keeps this crash-safe
            connection.execute(
                "CREATE TABLE IF NOT EXISTS memory (id TEXT PRIMARY KEY, value TEXT NOT NULL, "
                "updated INTEGER NOT NULL) WITHOUT ROWID")
        except BaseException:
            connection.close()
            raise
        local.connection, local.pid = connection, os.getpid()
        return connection

    def get_attributes(self, request_envelope) -> dict:
        row = self._connection().execute(
            "SELECT value FROM memory WHERE id = ?", (user_id(request_envelope),)).fetchone()
        if row is None:
            return {}
        try:
            value = json.loads(row[0])
        except (TypeError, ValueError, RecursionError) as exc:
            raise CorruptRecord(f"the record is not JSON ({type(exc).__name__})") from None
        if not isinstance(value, dict):
            raise CorruptRecord(f"the record is a JSON {type(value).__name__}, not an object")
        return value

    def save_attributes(self, request_envelope, attributes) -> None:
        value = json.dumps(attributes, separators=(",", ":"), allow_nan=False)
        self._connection().execute(
            "INSERT INTO memory (id, value, updated) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET value = excluded.value, updated = excluded.updated",
            (user_id(request_envelope), value, int(time.time())))

    def delete_attributes(self, request_envelope) -> None:
        self._connection().execute("DELETE FROM memory WHERE id = ?", (user_id(request_envelope),))


def dynamodb_adapter(table: str, timeout: float = DYNAMODB_TIMEOUT) -> AbstractPersistenceAdapter:
    """ask-sdk's DynamoDbAdapter (partition key `id` = user id, record in `attributes`) on a boto3
    resource that gives up fast. The endpoint, region and credentials come from boto3's usual
    configuration (AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION, the Lambda role...)."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session()
    if session.region_name is None:
        # ask_sdk_dynamodb builds a default resource when imported, which needs a region.
        raise PersistenceException("no AWS region is configured for the DynamoDB store")
    from ask_sdk_dynamodb.adapter import DynamoDbAdapter

    config = Config(connect_timeout=timeout, read_timeout=timeout,
                    retries={"total_max_attempts": 1, "mode": "standard"})
    resource = session.resource("dynamodb", config=config)
    return DynamoDbAdapter(table_name=table, partition_key_name="id", partition_keygen=user_id,
                           create_table=False, dynamodb_resource=resource)


def open_store(url: str) -> GuardedAdapter:
    """The adapter for a store URL (`sqlite:///PATH`, `dynamodb://TABLE`, `none`)."""
    if url == "none":
        return GuardedAdapter(NullAdapter, "none")
    if url.startswith("sqlite:///"):
        # As in SQLAlchemy: sqlite:///relative/file, sqlite:////absolute/file.
        path = Path(url[len("sqlite:///"):]).expanduser()
        return GuardedAdapter(lambda: SqliteAdapter(path), "sqlite")
    if url.startswith("dynamodb://"):
        table = url[len("dynamodb://"):]
        return GuardedAdapter(lambda: dynamodb_adapter(table), "dynamodb")
    raise ValueError(f"unknown store {url!r}: expected sqlite:///PATH, dynamodb://TABLE or none")


def _plain(value: Any) -> Any:
    """DynamoDB numbers arrive as Decimal; the rest of the skill sees JSON types only."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


class GuardedAdapter(AbstractPersistenceAdapter):
    """Wraps any adapter so that it never raises and never holds a request up for long."""

    def __init__(self, opener: Callable[[], AbstractPersistenceAdapter], name: str,
                 backoff: float = BACKOFF_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.name = name
        self.backoff = backoff
        self._opener = opener
        self._clock = clock
        self._inner: AbstractPersistenceAdapter | None = None
        self._lock = threading.Lock()
        self._resume_at = 0.0

    @property
    def available(self) -> bool:
        """False while backing off after a failure."""
        return self._clock() >= self._resume_at

    def get_attributes(self, request_envelope) -> dict:
        found = self._call("read", request_envelope, lambda inner: inner.get_attributes(request_envelope))
        if found is None:
            return {}
        found = _plain(found)
        if not isinstance(found, dict):
            self._warn("read", request_envelope, CorruptRecord(f"the record is a {type(found).__name__}"), 0)
            return {}
        return found

    def save_attributes(self, request_envelope, attributes) -> bool:
        return self._call("write", request_envelope,
                          lambda inner: inner.save_attributes(request_envelope, attributes) or True) is True

    def delete_attributes(self, request_envelope) -> bool:
        return self._call("delete", request_envelope,
                          lambda inner: inner.delete_attributes(request_envelope) or True) is True

    def _call(self, operation: str, envelope, action: Callable[[AbstractPersistenceAdapter], Any]) -> Any:
        if not self.available:
            log.debug("store %s: %s skipped, backing off after a failure", self.name, operation)
            return None
        try:
            user_id(envelope)
            return action(self._open())
        except NoUser:
            log.debug("store %s: %s skipped, the request has no user", self.name, operation)
        except CorruptRecord as exc:
            self._warn(operation, envelope, exc, 0)  # the store works: the next write repairs the record
        except Exception as exc:  # noqa: BLE001 - whatever the store does, the user must not hear it
            self._resume_at = self._clock() + self.backoff
            self._warn(operation, envelope, exc, self.backoff)
        return None

    def _open(self) -> AbstractPersistenceAdapter:
        if self._inner is None:
            with self._lock:
                if self._inner is None:
                    self._inner = self._opener()
        return self._inner

    def _warn(self, operation: str, envelope, exc: BaseException, backoff: float) -> None:
        try:
            user = user_id(envelope)
        except NoUser:
            user = None
        detail = str(exc)[:300]
        if user:
            detail = detail.replace(user, pseudonym(user) or "")
        log.warning(json.dumps({
            "store": self.name, "operation": operation, "user": pseudonym(user),
            "error": type(exc).__name__, "detail": detail,
            "backoff_s": backoff,
        }, separators=(",", ":")))
