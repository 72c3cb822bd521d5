"""Cramp Coach benchmarks: every figure next to a baseline measured in the same run.

  1. in-process lambda_handler latency per request type vs a minimal ask-sdk hello skill
  2. cold start (fresh python process: import + one LaunchRequest) vs the hello skill
  3. HTTP on loopback under the production runner (gunicorn gthread, `cramp-coach serve`
     defaults), verification ON and OFF, vs a bare Flask echo app under the same settings
  4. worker memory after 10k and 100k verified requests, vs the bare Flask app

Loopback only; every load run is bounded in requests and seconds.
Usage: python3 bench/run.py [--quick] [--client auto|wrk|python] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _path in (str(ROOT), str(BENCH)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import coldstart  # noqa: E402
import httpload  # noqa: E402
import latency  # noqa: E402

TARGETS = {"latency": 1.3, "cold": 1.1, "throughput": 0.5, "tail": 4.0, "growth": 0.05}
MODES = ("floor", "verify", "noverify")
LABELS = {"floor": "bare Flask echo (floor)", "verify": "ours, verification ON", "noverify": "ours, verification OFF"}


def machine() -> dict[str, str]:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    versions = {}
    for package in ("ask-sdk-core", "flask", "werkzeug", "gunicorn", "cryptography"):
        try:
            from importlib.metadata import version

            versions[package] = version(package)
        except Exception:  # noqa: BLE001 - informational only
            versions[package] = "?"
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("[")[0].strip() \
        if shutil.which("wrk") else "not installed"
    return {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "nproc": nproc, "cpu": model,
            "python": platform.python_version(), "kernel": platform.release(), "wrk": wrk,
            **{k: v for k, v in versions.items()}}


def busy_percent(seconds: float = 1.0) -> float:
    """CPU in use on the whole machine over a short sample (others' work disturbs every figure)."""
    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    total_a, idle_a = sample()
    time.sleep(seconds)
    total_b, idle_b = sample()
    return 100.0 * (1 - (idle_b - idle_a) / max(1, total_b - total_a))


def serve_defaults() -> tuple[int, int]:
    """`cramp-coach serve` defaults, read from its own --help so the bench cannot drift from them."""
    done = subprocess.run([sys.executable, "-m", "skill.cli", "serve", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    text = " ".join(done.stdout.split())
    workers = re.search(r"worker processes \(default: (\d+)\)", text)
    threads = re.search(r"threads per worker \(default: (\d+)\)", text)
    if not workers or not threads:
        raise SystemExit(f"cannot read worker/thread defaults from `cramp-coach serve --help`:\n{done.stdout}")
    return int(workers.group(1)), int(threads.group(1))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


class Table:
    def __init__(self):
        self.rows: list[tuple[str, ...]] = []

    def add(self, *cells: str) -> None:
        self.rows.append(tuple(cells))

    def render(self) -> str:
        header = ("#", "measure", "ours", "baseline", "ratio", "target", "result")
        widths = [max(len(str(r[i])) for r in [header, *self.rows]) for i in range(len(header))]
        line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
        return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in self.rows)])


# --- sections ----------------------------------------------------------------------------------

def section_latency(args, table: Table, out: dict) -> None:
    print(f"[1] in-process latency: {args.latency_rounds} interleaved rounds x {args.latency_calls} calls ...",
          flush=True)
    result = latency.measure(args.latency_rounds, args.latency_calls)
    out["latency"] = asdict(result)
    base = result.medians[latency.BASELINE]
    strict = result.medians[latency.STRICT]
    for label, name in latency.OURS:
        ratio = result.ratio(label)
        table.add("1", f"latency {label.removeprefix('ours ')} (us)", f"{result.medians[label] * 1e6:.1f}",
                  f"hello Launch {base * 1e6:.1f}", f"{ratio:.2f}x", f"<= {TARGETS['latency']}x",
                  verdict(ratio <= TARGETS["latency"]))
    lines = ["", "latency detail (medians, us/call; info baselines: the hello skill built once instead of per call "
             "as SkillBuilder.lambda_handler() does, and that prebuilt hello given our very envelope):",
             f"  hello Launch {base * 1e6:.1f}; hello prebuilt Launch {strict * 1e6:.1f}"]
    for label, name in latency.OURS:
        same = result.medians[result.same_envelope(name)]
        lines.append(f"  {label.removeprefix('ours '):<28} ours {result.medians[label] * 1e6:7.1f}"
                     f"   x hello {result.ratio(label):.2f}   x prebuilt {result.ratio(label, latency.STRICT):.2f}"
                     f"   hello prebuilt on this envelope {same * 1e6:7.1f} -> x {result.medians[label] / same:.2f}")
    out["notes"].append("\n".join(lines))


def section_cold(args, table: Table, out: dict) -> None:
    print(f"[2] cold start: {args.cold_runs} interleaved fresh processes each ...", flush=True)
    result = coldstart.measure(args.cold_runs)
    out["cold"] = asdict(result)
    table.add("2", "cold start, whole process (ms)", f"{result.wall['ours'] * 1e3:.1f}",
              f"hello {result.wall['hello'] * 1e3:.1f}", f"{result.ratio():.2f}x", f"<= {TARGETS['cold']}x",
              verdict(result.ratio() <= TARGETS["cold"]))
    table.add("2", "cold start, import + 1st call (ms)", f"{result.inproc['ours'] * 1e3:.1f}",
              f"hello {result.inproc['hello'] * 1e3:.1f}", f"{result.inproc_ratio():.2f}x", f"<= {TARGETS['cold']}x",
              verdict(result.inproc_ratio() <= TARGETS["cold"]))
    if result.ratio() > TARGETS["cold"] or result.inproc_ratio() > TARGETS["cold"]:
        own, added = coldstart.offenders(coldstart.import_times("ours"), coldstart.import_times("hello"))
        out["importtime"] = {"own_self": [asdict(r) for r in own], "added_imports": [asdict(r) for r in added]}
        lines = ["", "cold start missed: python -X importtime, median of 5 runs",
                 "  our own modules by self time (module body: includes work done at import, e.g. build_skill):"]
        lines += [f"    {r.self_us / 1e3:7.1f} ms  {r.module}" for r in own]
        lines += ["  imports our modules add that the hello skill does not make, by cumulative time:"]
        lines += [f"    {r.cumulative_us / 1e3:7.1f} ms  {r.module:<28} imported by {r.parent or '-c'}" for r in added]
        out["notes"].append("\n".join(lines))


def _drive(client, server, signer, *, seconds: float, max_requests: int, connections: int, workdir: Path):
    return client(server.url, [signer.launch()], seconds=seconds, max_requests=max_requests,
                  connections=connections, workdir=workdir)


def section_http(args, table: Table, out: dict, signer, workdir: Path, workers: int, threads: int) -> dict:
    client = httpload.pick_client(args.client)
    connections = workers * threads
    print(f"[3] HTTP: gunicorn gthread {workers} workers x {threads} threads; client {client.__name__[4:]} "
          f"with {connections} keep-alive connections; {args.http_rounds} interleaved rounds of {args.http_seconds} s",
          flush=True)
    servers = {mode: httpload.Server(mode, workdir, workdir if mode == "verify" else None, workers, threads)
               for mode in MODES}
    runs: dict[str, list] = {mode: [] for mode in MODES}
    splits: dict[str, list] = {mode: [] for mode in MODES}
    rejected: dict[str, list] = {mode: [] for mode in MODES}
    foreigns: dict[str, list] = {mode: [] for mode in MODES}
    try:
        for server in servers.values():
            server.start()
        for mode, server in servers.items():  # warm up; fills each verify worker's chain cache
            warm = _drive(client, server, signer, seconds=2, max_requests=200_000, connections=connections,
                          workdir=workdir)
            if warm.bad:
                raise RuntimeError(f"{mode} warm-up got {warm.statuses} {warm.errors}:\n{server.log_tail()}")
        cap = int(args.http_seconds * 50_000)
        for round_number in range(args.http_rounds):
            order = MODES if round_number % 2 == 0 else tuple(reversed(MODES))
            for mode in order:
                def show(result, split, foreign, why, mode=mode, round_number=round_number):
                    print(f"    round {round_number + 1} {mode:<9} {result.rps:8.0f} req/s  p50 {result.p50_ms:6.2f} ms"
                          f"  p99 {result.p99_ms:6.2f} ms  statuses {result.statuses} {result.errors or ''}"
                          f"  worker CPU s {split}  others {foreign * 100:.0f}% CPU"
                          f"{'  ' + ', '.join(why).upper() + ': re-run' if why else ''}", flush=True)

                result, split, foreign, discarded = httpload.clean_run(
                    client, servers[mode], lambda: [signer.launch()], seconds=args.http_seconds, max_requests=cap,
                    connections=connections, workdir=workdir, retries=args.retries, on_run=show)
                rejected[mode] += [asdict(r) | {"rps": r.rps, "worker_cpu_seconds": sp, "foreign_cpu": f, "why": w}
                                   for r, sp, f, w in discarded]
                foreigns[mode].append(foreign)
                runs[mode].append(result)
                splits[mode].append(split)
    finally:
        for server in servers.values():
            server.stop()
    summary = {mode: httpload.median_result(results) for mode, results in runs.items()}
    out["http"] = {"client": client.__name__[4:], "connections": connections, "workers": workers, "threads": threads,
                   "rounds": args.http_rounds, "seconds": args.http_seconds,
                   "runs": {mode: [asdict(r) | {"rps": r.rps} for r in results] for mode, results in runs.items()},
                   "worker_cpu_seconds": splits, "foreign_cpu_share": foreigns, "rejected_runs": rejected,
                   "median": {mode: asdict(r) | {"rps": r.rps} for mode, r in summary.items()}}
    discarded = sum(len(v) for v in rejected.values())
    if discarded:
        out["notes"].append(f"HTTP: {discarded} run(s) re-run (one worker took every keep-alive connection, or other "
                            "processes used the CPU): " + ", ".join(f"{m} {len(v)}" for m, v in rejected.items() if v)
                            + " (figures in the JSON)")
    worst = max(max(v) for v in foreigns.values())
    if worst > 0.10:
        out["notes"].append(f"WARNING: some kept HTTP runs still had up to {worst * 100:.0f}% of the CPU used by "
                            "other processes after all retries; those figures are disturbed")
    floor = summary["floor"]
    for mode in ("verify", "noverify"):
        ours = summary[mode]
        ratio = ours.rps / floor.rps
        clean = "" if not ours.bad else f" ({ours.bad} bad responses!)"
        target = f">= {TARGETS['throughput']}x" if mode == "verify" else "(info)"
        result = verdict(ratio >= TARGETS["throughput"] and not ours.bad) if mode == "verify" else ""
        table.add("3", f"HTTP req/s, {LABELS[mode].removeprefix('ours, ')}{clean}", f"{ours.rps:.0f}",
                  f"floor {floor.rps:.0f}", f"{ratio:.2f}x", target, result)
    for mode in ("verify", "noverify", "floor"):
        r = summary[mode]
        tail = r.p99_ms / r.p50_ms
        table.add("3", f"HTTP p50 / p99 ms, {LABELS[mode].removeprefix('ours, ')}", f"{r.p50_ms:.2f} / {r.p99_ms:.2f}",
                  "" if mode == "floor" else f"floor {floor.p50_ms:.2f} / {floor.p99_ms:.2f}",
                  f"p99/p50 {tail:.2f}", f"< {TARGETS['tail']}x" if mode == "verify" else "(info)",
                  verdict(tail < TARGETS["tail"]) if mode == "verify" else "")
    return {mode: r.rps for mode, r in summary.items()}


def _memory_run(client, server, signer, *, total: int, checkpoint: int, rate: float, connections: int,
                workdir: Path) -> dict:
    """Drive ``total`` requests in chunks of at most ~30 s (each re-signed, so timestamps stay
    fresh), reading worker memory when ``checkpoint`` and ``total`` are reached."""
    readings = {}
    done, results = 0, []
    deadline = time.monotonic() + total / max(rate, 1.0) * 4 + 120
    for goal in (checkpoint, total):
        while done < goal and time.monotonic() < deadline:
            chunk = min(goal - done, max(1000, int(rate * 30)))
            seconds = min(chunk / max(rate, 1.0) * 1.3 + 1, deadline - time.monotonic())
            result = _drive(client, server, signer, seconds=max(1.0, seconds), max_requests=chunk,
                            connections=connections, workdir=workdir)
            done += result.requests
            results.append(result)
        readings[goal] = {"requests": done, "workers": server.memory(), "cpu": server.cpu_seconds()}
    merged = httpload.merge(results)
    return {"readings": readings, "statuses": merged.statuses, "errors": merged.errors, "requests": done}


def _growth(run: dict, checkpoint: int, total: int) -> tuple[float, int, int]:
    """(largest per-worker VmRSS growth checkpoint -> total, largest VmHWM kB, largest VmRSS at total kB)."""
    first, last = run["readings"][checkpoint]["workers"], run["readings"][total]["workers"]
    growth = max((last[pid]["VmRSS"] - first[pid]["VmRSS"]) / first[pid]["VmRSS"] for pid in last if pid in first)
    return growth, max(v["VmHWM"] for v in last.values()), max(v["VmRSS"] for v in last.values())


def section_memory(args, table: Table, out: dict, signer, workdir: Path, workers: int, threads: int,
                   rates: dict) -> None:
    client = httpload.pick_client(args.client)
    total, checkpoint = args.memory_requests, args.memory_requests // 10
    print(f"[4] memory: fresh servers, {checkpoint:,} then {total:,} requests each ...", flush=True)
    runs = {}
    for mode in ("verify", "floor"):
        with httpload.Server(mode, workdir, workdir if mode == "verify" else None, workers, threads) as server:
            runs[mode] = _memory_run(client, server, signer, total=total, checkpoint=checkpoint,
                                     rate=rates.get(mode, 1000.0), connections=workers * threads, workdir=workdir)
        print(f"    {mode}: {runs[mode]['requests']:,} requests, statuses {runs[mode]['statuses']}"
              f" {runs[mode]['errors'] or ''}", flush=True)
        for goal, reading in runs[mode]["readings"].items():
            print(f"      after {reading['requests']:,}: " + ", ".join(
                f"pid {pid} VmRSS {v['VmRSS'] / 1024:.1f} MiB VmHWM {v['VmHWM'] / 1024:.1f} MiB"
                for pid, v in reading["workers"].items()) + f"; worker CPU s {reading['cpu']}", flush=True)
    out["memory"] = {"total": total, "checkpoint": checkpoint, "runs": runs}
    ours_growth, ours_hwm, ours_rss = _growth(runs["verify"], checkpoint, total)
    floor_growth, floor_hwm, floor_rss = _growth(runs["floor"], checkpoint, total)
    bad = sum(n for s, n in runs["verify"]["statuses"].items() if s != 200) + sum(runs["verify"]["errors"].values())
    table.add("4", f"worker peak RSS after {runs['verify']['requests']:,} (MiB)", f"{ours_hwm / 1024:.1f}",
              f"floor {floor_hwm / 1024:.1f}", f"{ours_hwm / floor_hwm:.2f}x", "(info)", "")
    table.add("4", f"worker RSS growth {checkpoint // 1000}k -> {total // 1000}k{' (bad responses!)' if bad else ''}",
              f"{ours_growth * 100:+.2f}%", f"floor {floor_growth * 100:+.2f}%", "",
              f"< {TARGETS['growth'] * 100:.0f}%", verdict(ours_growth < TARGETS["growth"] and not bad))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run of a minute or two")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="HTTP load client (auto: wrk if installed)")
    parser.add_argument("--only", nargs="+", choices=("latency", "cold", "http", "memory"),
                        help="run only these sections")
    parser.add_argument("--json", type=Path, help="also write every raw figure here")
    parser.add_argument("--retries", type=int, default=3,
                        help="re-runs allowed per HTTP run that was unbalanced or disturbed by other processes")
    parser.add_argument("--latency-rounds", type=int)
    parser.add_argument("--latency-calls", type=int)
    parser.add_argument("--cold-runs", type=int)
    parser.add_argument("--http-rounds", type=int)
    parser.add_argument("--http-seconds", type=float)
    parser.add_argument("--memory-requests", type=int, help="total; memory is also read at a tenth of it")
    args = parser.parse_args()
    # A SIGTERM (e.g. from `timeout`) unwinds through the finally blocks that stop our servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    defaults = dict(latency_rounds=(8, 30), latency_calls=(100, 200), cold_runs=(5, 15), http_rounds=(2, 3),
                    http_seconds=(3.0, 10.0), memory_requests=(10_000, 100_000))
    for name, (quick, full) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    sections = set(args.only or ("latency", "cold", "http", "memory"))

    info = machine()
    workers, threads = serve_defaults()
    info["busy_before"] = f"{busy_percent():.0f}% CPU in use, loadavg {Path('/proc/loadavg').read_text().split()[0]}"
    print("Cramp Coach bench  " + "  ".join(f"{k}={v}" for k, v in info.items()), flush=True)
    out: dict = {"machine": info, "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                 "notes": []}
    table = Table()
    started = time.monotonic()
    out["others_cpu"] = {}

    def section(name: str, run, *extra):
        # Other people's jobs on a 2-CPU machine move every figure: start each section on a quiet
        # machine (waiting a bounded time) and report how much CPU others used while it ran.
        httpload.wait_quiet(max_wait=120)
        busy, ours, begun = httpload.machine_busy_seconds(), httpload.our_cpu_seconds(), time.monotonic()
        result = run(args, table, out, *extra)
        wall = time.monotonic() - begun
        foreign = max(0.0, (httpload.machine_busy_seconds() - busy) - (httpload.our_cpu_seconds() - ours))
        out["others_cpu"][name] = round(foreign / (wall * (os.cpu_count() or 1)), 3)
        print(f"    ({name}: {wall:.0f} s; other processes used {out['others_cpu'][name] * 100:.0f}% of the CPU)",
              flush=True)
        return result

    if "latency" in sections:
        section("latency", section_latency)
    if "cold" in sections:
        section("cold", section_cold)
    if sections & {"http", "memory"}:
        workdir = httpload.workdir()
        print(f"    PKI and server logs in {workdir}", flush=True)
        signer = httpload.Signer(workdir)
        rates: dict = {}
        if "http" in sections:
            rates = section("http", section_http, signer, workdir, workers, threads)
        if "memory" in sections:
            section("memory", section_memory, signer, workdir, workers, threads, rates)
    for name, share in out["others_cpu"].items():
        if share > 0.05:
            out["notes"].append(f"WARNING: other processes used {share * 100:.0f}% of the CPU during the {name} "
                                "section; its figures are disturbed (ratios less so: baselines are interleaved)")
    out["elapsed_seconds"] = round(time.monotonic() - started, 1)
    info["busy_after"] = f"{busy_percent():.0f}% CPU in use, loadavg {Path('/proc/loadavg').read_text().split()[0]}"
    for when in ("busy_before", "busy_after"):
        if float(info[when].split("%")[0]) > 15:
            out["notes"].append(f"WARNING: the machine was busy with other work ({when}: {info[when]}); "
                                f"ratios are interleaved, but absolute figures and tails are disturbed")

    print()
    print(table.render())
    for note in out["notes"]:
        print(note)
    print(f"\n(total {out['elapsed_seconds']} s; python {info['python']}; {info['nproc']} cpus {info['cpu']}; "
          f"before: {info['busy_before']}; after: {info['busy_after']})")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
