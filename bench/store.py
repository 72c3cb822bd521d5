"""What the per-user store adds to a request: the built skill with a warm SQLite store next to
the same skill with store `none`, in interleaved rounds of the same run.

- PreventionTipIntent (no tips in the session, so the tips heard come from memory): one read
  and one write of the user's record per request.
- CrampNowIntent, the mid-cramp path: must not touch the store, so both should be equal.
- The guarded store alone, for scale: one read + one write, and the same against a locked
  database (the bound a user waits when the store is down, before the back-off starts).

Usage: python bench/store.py [--rounds 80] [--calls 100] [--json out.json]
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from skill.builder import build_skill  # noqa: E402
from skill.invoke import respond  # noqa: E402
from skill.config import Settings  # noqa: E402
from skill.store import GuardedAdapter, SqliteAdapter  # noqa: E402
from tests.envelopes import intent  # noqa: E402
from tests.fixtures import SKILL_ID  # noqa: E402

from latency import first_keys  # noqa: E402

EVENTS = {
    "PreventionTipIntent": intent("PreventionTipIntent", topic="hydration"),
    "CrampNowIntent": intent("CrampNowIntent", muscle="calf"),
}


def per_call(skill, payload: dict, calls: int) -> float:
    batch = [copy.deepcopy(payload) for _ in range(calls)]
    gc.collect()
    gc.disable()  # as timeit does: a collection would land on whichever case is running
    try:
        started = time.perf_counter()
        for item in batch:
            respond(skill, item)
        return (time.perf_counter() - started) / calls
    finally:
        gc.enable()


def store_ops(store, envelope, calls: int) -> float:
    started = time.perf_counter()
    for n in range(calls):
        store.get_attributes(envelope)
        store.save_attributes(envelope, {"tips_heard": ["a", str(n % 7)]})
    return (time.perf_counter() - started) / calls


def locked_op(db: Path, envelope) -> float:
    """A request's read + write against a database another connection holds EXCLUSIVE (rollback
    journal, so the read waits too): what a request waits when the store goes down; the
    write is then skipped by the back-off, as are the requests after it for BACKOFF_SECONDS."""
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        store = GuardedAdapter(lambda: SqliteAdapter(db), "sqlite")
        started = time.perf_counter()
        store.get_attributes(envelope)
        store.save_attributes(envelope, {"voice": "normal"})
        return time.perf_counter() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def measure(rounds: int, calls: int, workdir: Path) -> dict:
    skills = {
        "sqlite": build_skill(Settings(skill_id=SKILL_ID, store=f"sqlite:///{workdir / 'memory.sqlite3'}"),
                              rng=random.Random(1)),
        "none": build_skill(Settings(skill_id=SKILL_ID, store="none"), rng=random.Random(1)),
    }
    first_keys(lambda event, context: respond(skills["sqlite"], event), EVENTS)  # real answers, no apologies
    tip_db = workdir / "memory.sqlite3"
    if not tip_db.exists():
        raise RuntimeError("PreventionTipIntent did not write the store: nothing to measure")

    from ask_sdk_model import RequestEnvelope

    from skill.serializer import Serializer

    envelope = Serializer().deserialize(json.dumps(EVENTS["PreventionTipIntent"]), RequestEnvelope)
    direct = GuardedAdapter(lambda: SqliteAdapter(workdir / "direct.sqlite3"), "sqlite")
    cases = [(f"{name} {store}", lambda s=skills[store], p=payload: per_call(s, p, calls))
             for name, payload in EVENTS.items() for store in ("sqlite", "none")]
    cases.append(("store alone: read + write", lambda: store_ops(direct, envelope, calls)))
    for _, run in cases:
        run()  # warm up: connections open, pages cached, code paths compiled
    samples: dict[str, list[float]] = {label: [] for label, _ in cases}
    for number in range(rounds):
        # Every other round in reverse order: what runs just before a case (cache state) shifts
        # its time by more than the store costs.
        for label, run in cases if number % 2 else cases[::-1]:
            samples[label].append(run())
    medians = {label: statistics.median(values) for label, values in samples.items()}
    rollback = workdir / "rollback.sqlite3"
    sqlite3.connect(rollback).close()
    locked = [locked_op(rollback, envelope) for _ in range(5)]
    return {"rounds": rounds, "calls": calls, "medians_us": {k: v * 1e6 for k, v in medians.items()},
            "ratio": {name: medians[f"{name} sqlite"] / medians[f"{name} none"] for name in EVENTS},
            "added_us": {name: (medians[f"{name} sqlite"] - medians[f"{name} none"]) * 1e6 for name in EVENTS},
            "locked_read_write_ms": {"median": statistics.median(locked) * 1e3, "max": max(locked) * 1e3}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=80)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cc-bench-store-") as workdir:
        result = measure(args.rounds, args.calls, Path(workdir))
    print(f"{'case':<38}{'median us':>10}")
    for label, value in result["medians_us"].items():
        print(f"{label:<38}{value:>10.1f}")
    for name in EVENTS:
        print(f"{name}: sqlite / none = {result['ratio'][name]:.3f}, added {result['added_us'][name]:.1f} us")
    locked = result["locked_read_write_ms"]
    print(f"locked database, read + write (guarded): median {locked['median']:.0f} ms, max {locked['max']:.0f} ms")
    print(f"({args.rounds} interleaved rounds of {args.calls} calls; python {sys.version.split()[0]})")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
