"""Sustained load: the production runner with verification ON, driven at capacity on 127.0.0.1
for 60 s (closed loop, one keep-alive connection per server thread), with signed requests of
every common type in rotation. Counts responses by status; expects only 200s: any other
status, socket error or 5xx fails the run (exit 1).

Bounded: at most --seconds of load (re-signed every 60 s so timestamps stay within Alexa's
150 s window) and at most --max-requests requests.
Usage: python3 bench/load.py [--seconds 60] [--client auto|wrk|python] [--launch-only]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _path in (str(ROOT), str(BENCH)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import httpload  # noqa: E402
import latency  # noqa: E402
from run import serve_defaults  # noqa: E402

CHUNK_SECONDS = 60


def request_mix(signer: httpload.Signer, launch_only: bool) -> list[tuple[bytes, dict[str, str]]]:
    """Launch, CrampNow, a mid-routine Next, a PreventionTip, a CanFulfill and a SessionEnded."""
    if launch_only:
        return [signer.launch()]
    found = latency.handlers()
    events = latency.events(found["ours"])
    latency.first_keys(found["ours"], events)  # each is a real answer, not the error path
    fixtures = ROOT / "tests" / "fixtures" / "requests"
    for name in ("can_fulfill", "session_ended"):
        events[name] = json.loads((fixtures / f"{name}.json").read_text())
    return [signer.envelope(event) for event in events.values()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-requests", type=int, default=3_000_000, help="hard cap on requests")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--connections", type=int, help="default: workers x threads of `cramp-coach serve`")
    parser.add_argument("--launch-only", action="store_true", help="only LaunchRequests instead of the mix")
    args = parser.parse_args()
    # A SIGTERM (e.g. from `timeout`) unwinds through the finally blocks that stop our servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    workers, threads = serve_defaults()
    connections = args.connections or workers * threads
    client = httpload.pick_client(args.client)
    workdir = httpload.workdir()
    signer = httpload.Signer(workdir)
    kinds = "LaunchRequest only" if args.launch_only else \
        "Launch, CrampNowIntent, stretch Next, PreventionTipIntent, CanFulfillIntentRequest, SessionEndedRequest"
    print(f"load: verification ON, gunicorn gthread {workers} workers x {threads} threads on 127.0.0.1; "
          f"client {client.__name__[4:]} with {connections} keep-alive connections; {args.seconds:.0f} s; "
          f"requests: {kinds}; logs in {workdir}", flush=True)

    with httpload.Server("verify", workdir, workdir, workers, threads) as server:
        warm = client(server.url, request_mix(signer, args.launch_only), seconds=2, max_requests=100_000,
                      connections=connections, workdir=workdir)
        print(f"warm-up: {warm.requests} requests, statuses {warm.statuses} {warm.errors or ''}", flush=True)
        httpload.wait_quiet(max_wait=120)  # others' jobs on this small machine would take capacity
        busy_before, ours_before = httpload.machine_busy_seconds(), httpload.our_cpu_seconds()
        memory_before, cpu_before = server.memory(), server.cpu_seconds()
        results = []
        left, remaining = args.seconds, args.max_requests
        started = time.monotonic()
        while left >= 1 and remaining > 0:
            chunk = min(CHUNK_SECONDS, left)
            result = client(server.url, request_mix(signer, args.launch_only), seconds=chunk,
                            max_requests=remaining, connections=connections, workdir=workdir)
            results.append(result)
            left -= chunk
            remaining -= result.requests
        elapsed = time.monotonic() - started
        memory_after, cpu_after = server.memory(), server.cpu_seconds()
        worker_cpu = sum(cpu_after[p] - cpu_before.get(p, 0.0) for p in cpu_after)
        others = max(0.0, httpload.machine_busy_seconds() - busy_before - worker_cpu
                     - (httpload.our_cpu_seconds() - ours_before)) / (elapsed * (os.cpu_count() or 1))
        log_text = server.log_path.read_text(errors="replace")

    total = httpload.merge(results)
    errors_5xx = sum(n for status, n in total.statuses.items() if status >= 500)
    other = sum(n for status, n in total.statuses.items() if status != 200 and status < 500)
    socket_errors = sum(total.errors.values())
    logged = {word: log_text.count(word) for word in ("Traceback", " ERROR ", "rejected request", "WORKER TIMEOUT")}
    print(f"\nrequests   {total.requests:,} in {total.seconds:.1f} s ({total.requests / total.seconds:,.0f} req/s;"
          f" wall {elapsed:.1f} s)")
    print("by status  " + ", ".join(f"{status}: {count:,}" for status, count in sorted(total.statuses.items())))
    print(f"5xx        {errors_5xx}")
    print(f"other non-200 {other}")
    print(f"socket errors {socket_errors} {total.errors or ''}")
    print(f"latency    p50 {total.p50_ms:.2f} ms (request-weighted over chunks), "
          f"p99 {total.p99_ms:.2f} ms (worst chunk)")
    print("worker RSS " + ", ".join(
        f"pid {pid}: {memory_before[pid]['VmRSS'] / 1024:.1f} -> {v['VmRSS'] / 1024:.1f} MiB "
        f"(HWM {v['VmHWM'] / 1024:.1f})"
        for pid, v in memory_after.items() if pid in memory_before))
    print("worker CPU " + ", ".join(f"pid {pid}: {cpu_after[pid] - cpu_before.get(pid, 0.0):.1f} s"
                                    for pid in cpu_after))
    print(f"others     other processes used {others * 100:.0f}% of the machine's CPU during the run")
    print("server log " + ", ".join(f"{word.strip()!r}: {count}" for word, count in logged.items()))
    ok = errors_5xx == 0 and other == 0 and socket_errors == 0 and total.requests > 0 \
        and logged["Traceback"] == 0 and logged["WORKER TIMEOUT"] == 0
    print("RESULT     " + ("PASS: zero errors, zero 5xx" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
