"""skill.store on real stores: SQLite files (two processes at once, locked, unwritable, corrupt)
and DynamoDB through moto's server on loopback, so real boto3 talks HTTP."""

from __future__ import annotations

import json
import logging
import multiprocessing
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

import pytest

from skill.store import (
    BACKOFF_SECONDS,
    GuardedAdapter,
    SqliteAdapter,
    dynamodb_adapter,
    open_store,
)
from tests.envelopes import USER, turn_for
from tests.envelopes import sdk_envelope as envelope
from tests.loopback import free_port, serve

WRITERS, RECORDS = 2, 1000  # enough that the two really overlap after the barrier


def warnings(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "cramp_coach.store"]


def test_sqlite_round_trip_creates_the_directory_lazily(tmp_path):
    db = tmp_path / "a" / "b" / "memory.sqlite3"
    store = open_store(f"sqlite:///{db}")
    assert not db.parent.exists()  # nothing happens until a record is used
    assert store.get_attributes(envelope()) == {}
    assert store.save_attributes(envelope(), {"voice": "whisper", "tips_heard": ["a"]}) is True
    assert store.get_attributes(envelope()) == {"voice": "whisper", "tips_heard": ["a"]}
    assert store.get_attributes(envelope(user="amzn1.ask.account.OTHER")) == {}
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("SELECT id FROM memory").fetchall() == [(USER,)]
    assert store.delete_attributes(envelope()) is True
    assert store.get_attributes(envelope()) == {}


def test_store_urls(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    open_store("sqlite:///relative/memory.sqlite3").save_attributes(envelope(), {"voice": "normal"})
    assert (tmp_path / "relative" / "memory.sqlite3").exists()
    none = open_store("none")
    assert none.save_attributes(envelope(), {"voice": "normal"}) is True
    assert none.get_attributes(envelope()) == {}
    with pytest.raises(ValueError):
        open_store("redis://x")


def _writer(path: str, tag: str, start, results) -> None:
    store = open_store(f"sqlite:///{path}")
    store.get_attributes(envelope(user=tag))  # open the connection before the race starts
    start.wait(30)
    began, failed = time.time(), []
    for n in range(RECORDS):
        ok = store.save_attributes(envelope(user=f"{tag}-{n}"), {"tips_heard": [tag, str(n)]})
        ok &= store.save_attributes(envelope(user="shared"), {"tips_heard": [tag]})
        ok &= store.get_attributes(envelope(user=f"{tag}-{n}")) == {"tips_heard": [tag, str(n)]}
        if not ok:
            failed.append(n)
    results.put((tag, began, time.time(), failed))


def test_two_processes_write_at_once(tmp_path):
    db = tmp_path / "memory.sqlite3"
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(WRITERS), context.Queue()
    workers = [context.Process(target=_writer, args=(str(db), f"w{i}", start, results)) for i in range(WRITERS)]
    for worker in workers:
        worker.start()
    reports = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(10)
        assert worker.exitcode == 0
    assert [failed for *_, failed in reports] == [[]] * WRITERS
    (_, _, first_ended, _), (_, second_began, _, _) = sorted(reports, key=lambda r: r[1])
    assert second_began < first_ended  # they really wrote at the same time
    with sqlite3.connect(db) as connection:
        ids = {row[0] for row in connection.execute("SELECT id FROM memory")}
    assert ids == {f"w{i}-{n}" for i in range(WRITERS) for n in range(RECORDS)} | {"shared"}


def test_connections_are_per_thread(tmp_path):
    adapter = SqliteAdapter(tmp_path / "memory.sqlite3")
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(id(adapter._connection()))) for _ in range(3)]
    for thread in threads:
        thread.start()
        thread.join()
    assert len(seen) == 3 and adapter.get_attributes(envelope()) == {}


@pytest.mark.parametrize("wal", [True, False], ids=["wal", "rollback-journal"])
def test_a_locked_database_is_guarded_and_fast(tmp_path, caplog, wal):
    db = tmp_path / "memory.sqlite3"
    holder = sqlite3.connect(db, isolation_level=None)
    if wal:
        open_store(f"sqlite:///{db}").save_attributes(envelope(), {"voice": "normal"})
    holder.execute("BEGIN EXCLUSIVE")
    try:
        store = open_store(f"sqlite:///{db}")
        with caplog.at_level(logging.WARNING, "cramp_coach"):
            started = time.perf_counter()
            found = store.get_attributes(envelope())  # WAL: readers go on; otherwise: busy
            saved = store.save_attributes(envelope(), {"voice": "whisper"})
            spent = time.perf_counter() - started
            # After the failure the store is left alone: no wait at all, no new warning.
            started = time.perf_counter()
            assert store.save_attributes(envelope(), {"voice": "whisper"}) is False
            assert store.get_attributes(envelope()) == {}
            assert time.perf_counter() - started < 0.01
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert found == ({"voice": "normal"} if wal else {})
    assert saved is False
    assert spent < 0.5
    (warning,) = warnings(caplog)
    assert warning["error"] == "OperationalError" and warning["backoff_s"] == BACKOFF_SECONDS
    assert USER not in caplog.text


def test_back_off_ends(tmp_path):
    now = [0.0]
    db = tmp_path / "memory.sqlite3"
    store = GuardedAdapter(lambda: SqliteAdapter(db), "sqlite", backoff=5, clock=lambda: now[0])
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    assert store.save_attributes(envelope(), {"voice": "normal"}) is False
    holder.execute("ROLLBACK")
    assert store.save_attributes(envelope(), {"voice": "normal"}) is False  # still backing off
    now[0] = 5.0
    assert store.save_attributes(envelope(), {"voice": "normal"}) is True


def test_an_unwritable_path_is_guarded(tmp_path, caplog):
    (tmp_path / "file").write_text("a file where a directory should be")
    store = open_store(f"sqlite:///{tmp_path / 'file' / 'sub' / 'memory.sqlite3'}")
    with caplog.at_level(logging.WARNING, "cramp_coach"):
        started = time.perf_counter()
        assert store.get_attributes(envelope()) == {}
        assert store.save_attributes(envelope(), {"voice": "normal"}) is False
        assert store.delete_attributes(envelope()) is False
        assert time.perf_counter() - started < 0.1
    assert len(warnings(caplog)) == 1


@pytest.mark.parametrize("value", ["not json", "[1, 2]", '"text"', "null", "{" * 100_000])
def test_corrupt_rows_read_as_empty_without_backing_off(tmp_path, caplog, value):
    db = tmp_path / "memory.sqlite3"
    store = open_store(f"sqlite:///{db}")
    store.save_attributes(envelope(), {})
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE memory SET value = ?", (value,))
    with caplog.at_level(logging.WARNING, "cramp_coach"):
        assert store.get_attributes(envelope()) == {}
    assert [w["error"] for w in warnings(caplog)] == ["CorruptRecord"]
    assert store.available
    assert store.save_attributes(envelope(), {"voice": "normal"}) is True  # the write repairs it
    assert store.get_attributes(envelope()) == {"voice": "normal"}


def test_boto3_is_imported_only_for_dynamodb(tmp_path):
    code = (
        "import sys, json, random\n"
        "from skill.builder import build_skill\nfrom skill.invoke import respond\n"
        "from skill.config import Settings\n"
        "from tests import fixtures\n"
        f"skill = build_skill(Settings(skill_id=fixtures.SKILL_ID, store='sqlite:///{tmp_path}/m.sqlite3'))\n"
        "respond(skill, json.loads(fixtures.LAUNCH.read_text()))\n"
        "skill = build_skill(Settings(skill_id=fixtures.SKILL_ID, store='dynamodb://cramp-coach-memory'))\n"
        "respond(skill, json.loads(fixtures.LAUNCH.read_text()))\n"
        "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules, 'boto3 imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr


# --- DynamoDB -------------------------------------------------------------------------------

TABLE = "cramp-coach-memory"


@pytest.fixture
def aws(monkeypatch, tmp_path):
    """boto3 configured by its own environment variables, nothing read from the machine."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch


@pytest.fixture
def moto(aws):
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    aws.setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
    yield endpoint
    server.stop()


@pytest.fixture
def table(moto):
    import boto3

    client = boto3.client("dynamodb", endpoint_url=moto)
    client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    return client


def test_dynamodb_round_trip(table):
    store = open_store(f"dynamodb://{TABLE}")
    assert store.get_attributes(envelope()) == {}
    record = {"voice": "whisper", "routine": {"muscle": "calf", "step": 2, "round": 1, "saved_at": 1_700_000_000}}
    assert store.save_attributes(envelope(), record) is True
    item = table.get_item(TableName=TABLE, Key={"id": {"S": USER}})["Item"]
    assert item["attributes"]["M"]["voice"] == {"S": "whisper"}
    assert store.get_attributes(envelope()) == record  # numbers come back as int, not Decimal
    mine = turn_for(envelope(), store).memory
    assert mine.routine["saved_at"] == 1_700_000_000 and mine.voice == "whisper"
    assert store.delete_attributes(envelope()) is True
    assert "Item" not in table.get_item(TableName=TABLE, Key={"id": {"S": USER}})


def test_dynamodb_missing_table_is_guarded(moto, caplog):
    store = open_store("dynamodb://no-such-table")
    with caplog.at_level(logging.WARNING, "cramp_coach"):
        assert store.get_attributes(envelope()) == {}
        assert store.save_attributes(envelope(), {"voice": "normal"}) is False
    (warning,) = warnings(caplog)
    assert warning["store"] == "dynamodb" and USER not in caplog.text


def test_dynamodb_server_down_is_guarded_and_fast(aws, caplog):
    aws.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{free_port()}")
    store = GuardedAdapter(lambda: dynamodb_adapter(TABLE), "dynamodb", backoff=0)
    store.get_attributes(envelope())  # the first use imports boto3 and builds the client
    with caplog.at_level(logging.WARNING, "cramp_coach"):
        started = time.perf_counter()
        assert store.save_attributes(envelope(), {"voice": "normal"}) is False
        assert time.perf_counter() - started < 0.6
    assert warnings(caplog)[0]["error"] == "PersistenceException"


class FakeDynamo(BaseHTTPRequestHandler):
    """A DynamoDB endpoint that throttles, or answers too late."""

    delay = 0.0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(self.delay)
        body = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                           "message": "Rate of requests exceeds the allowed throughput."}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up first, as it should

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("delay", [0.0, 2.0], ids=["throttled", "slow"])
def test_dynamodb_throttling_and_timeouts_are_guarded(aws, caplog, delay):
    handler = type("Handler", (FakeDynamo,), {"delay": delay})
    with serve(handler) as endpoint:
        aws.setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
        inner = dynamodb_adapter(TABLE)  # importing boto3 and building its client are not what is timed here
        store = GuardedAdapter(lambda: inner, "dynamodb")
        with caplog.at_level(logging.WARNING, "cramp_coach"):
            started = time.perf_counter()
            assert store.get_attributes(envelope()) == {}
            assert store.save_attributes(envelope(), {"voice": "normal"}) is False  # backing off
            spent = time.perf_counter() - started
    assert spent < 0.9  # one attempt, read timeout 0.5 s
    (warning,) = warnings(caplog)
    assert ("ProvisionedThroughputExceeded" in warning["detail"]) if delay == 0 else ("timeout" in warning["detail"].lower())
