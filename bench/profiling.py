"""Where the time goes, for the targets bench/run.py reports as missed.

  latency  pyinstrument, in process: lambda_handler per request type (ours) and the hello skill
  cold     pyinstrument in fresh processes: import skill.lambda_function + one LaunchRequest
  http     py-spy on the gunicorn workers (verification ON) while wrk drives them on loopback
  tail     p50/p99 of the verified server under a few diagnostic variations (bench-only)

Each prints functions as file:function with their share of the samples, inclusive (the
function and everything it calls) and self (the function's own code), plus self time by package.
Usage: python3 bench/profiling.py latency|cold|http|tail [options]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import sysconfig
from collections import defaultdict
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _path in (str(ROOT), str(BENCH)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

_PREFIXES = [(sysconfig.get_paths()["purelib"] + "/", ""), (sysconfig.get_paths()["platlib"] + "/", ""),
             (str(ROOT) + "/", ""), (sysconfig.get_paths()["stdlib"] + "/", "stdlib/")]
PROJECT = ("skill/", "speech/", "content/")


def short(path: str) -> str:
    for prefix, replacement in _PREFIXES:
        if path.startswith(prefix):
            return replacement + path[len(prefix):]
    return path


def package(path: str) -> str:
    if path.startswith(PROJECT):
        return "project:" + path.split("/", 1)[0]
    if path.startswith("stdlib/"):
        return "stdlib:" + path.split("/")[1].removesuffix(".py")
    if path.startswith("<frozen"):
        return "stdlib:importlib"
    return path.split("/", 1)[0].removesuffix(".py")


class Profile:
    """Samples as (stack of (function, file) outermost first, weight)."""

    def __init__(self, unit: str = "seconds"):
        self.unit = unit  # what a weight is: "seconds" (pyinstrument) or "samples" (py-spy)
        self.samples: list[tuple[list[tuple[str, str]], float]] = []

    def add(self, stack: list[tuple[str, str]], weight: float) -> None:
        self.samples.append((stack, weight))

    def keep_below(self, function: str) -> Profile:
        """Only samples inside ``function`` (outermost match), with the frames above it cut off."""
        kept = Profile(self.unit)
        for stack, weight in self.samples:
            for index, (name, _) in enumerate(stack):
                if name == function or name.endswith("." + function):
                    kept.add(stack[index:], weight)
                    break
        return kept

    @property
    def total(self) -> float:
        return sum(weight for _, weight in self.samples) or 1.0

    def report(self, title: str, top: int = 25, top_self: int = 15, per_unit: float | None = None,
               unit: str = "us/call") -> str:
        inclusive: dict[tuple[str, str], float] = defaultdict(float)
        own: dict[tuple[str, str], float] = defaultdict(float)
        packages: dict[str, float] = defaultdict(float)
        for stack, weight in self.samples:
            if not stack:
                continue
            for frame in set(stack):
                inclusive[frame] += weight
            own[stack[-1]] += weight
            packages[package(stack[-1][1])] += weight
        total = self.total

        def cell(weight: float) -> str:
            share = f"{weight / total * 100:6.1f}%"
            return share + (f" {weight / total * per_unit:8.1f}" if per_unit is not None else "")

        head = f"{'share':>7}" + (f" {unit:>8}" if per_unit is not None else "")
        size = f"{total:.0f} samples" if self.unit == "samples" else f"{total * 1e3:.0f} ms sampled"
        lines = [f"== {title} ({size})", f"  inclusive:  {head}  file:function"]
        for frame, weight in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
            lines.append(f"              {cell(weight)}  {frame[1]}:{frame[0]}")
        lines.append(f"  self:       {head}  file:function")
        for frame, weight in sorted(own.items(), key=lambda kv: -kv[1])[:top_self]:
            lines.append(f"              {cell(weight)}  {frame[1]}:{frame[0]}")
        lines.append(f"  self by package: {head}")
        for name, weight in sorted(packages.items(), key=lambda kv: -kv[1])[:12]:
            lines.append(f"              {cell(weight)}  {name}")
        return "\n".join(lines)


def from_pyinstrument(frame_records) -> Profile:
    profile = Profile()
    for stack, weight in frame_records:
        frames = []
        for identifier in stack:
            function, _, rest = identifier.partition("\x00")
            path, _, rest = rest.partition("\x00")
            if path == "<thread>":
                continue
            attributes = dict((a[0], a[1:]) for a in rest.split("\x01")[1:] if a)
            name = f"{attributes['c']}.{function}" if "c" in attributes else function
            frames.append((name, short(path)))
        profile.add(frames, weight)
    return profile


def from_pyspy_raw(text: str) -> Profile:
    profile = Profile("samples")
    for line in text.splitlines():
        stack_text, _, count = line.rpartition(" ")
        if not stack_text:
            continue
        frames = []
        for frame in stack_text.split(";"):
            name, _, location = frame.rpartition(" (")
            path = location.rstrip(")").rsplit(":", 1)[0]
            frames.append((name, short(path)))
        profile.add(frames, float(count))
    return profile


# --- latency ---------------------------------------------------------------------------------

def profile_latency(args) -> None:
    import latency
    from pyinstrument import Profiler

    found = latency.handlers()
    requests = latency.events(found["ours"])
    for label, handler_name, event_name in latency.CASES:
        handler, event = found[handler_name], requests[event_name]
        per_call = min(latency.per_call(handler, event, 500) for _ in range(5))  # unprofiled
        batch = [copy.deepcopy(event) for _ in range(args.calls)]
        profiler = Profiler(interval=args.interval)
        profiler.start()
        for item in batch:
            handler(item, None)
        session = profiler.stop()
        entry = {"hello": "wrapper", "hello_prebuilt": "prebuilt_lambda_handler"}.get(handler_name, "lambda_handler")
        profile = from_pyinstrument(session.frame_records).keep_below(entry)
        print(profile.report(f"{label}: {per_call * 1e6:.1f} us/call unprofiled, {args.calls} calls profiled",
                             per_unit=per_call * 1e6))
        print()


# --- cold start --------------------------------------------------------------------------------

COLD_CHILD = """\
import json, sys
from pyinstrument import Profiler
profiler = Profiler(interval={interval})
profiler.start()
import {module} as m
m.lambda_handler(json.loads(open({event!r}).read()), None)
session = profiler.stop()
json.dump([[stack, weight] for stack, weight in session.frame_records], sys.stdout)
"""


def inclusive_per_run(profile: Profile, runs: int) -> dict[tuple[str, str], float]:
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for stack, weight in profile.samples:
        for frame in set(stack):
            totals[frame] += weight / runs
    return totals


def profile_cold(args) -> None:
    import coldstart

    profiles = {"ours": Profile(), "hello": Profile()}
    for _ in range(args.runs):
        for which, profile in profiles.items():
            code = COLD_CHILD.format(interval=args.interval, module=coldstart.MODULES[which],
                                     event=str(coldstart.LAUNCH))
            done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=coldstart._env(),
                                  capture_output=True, text=True, timeout=120)
            if done.returncode != 0:
                raise SystemExit(done.stderr)
            for stack, weight in from_pyinstrument(json.loads(done.stdout)).samples:
                profile.add(stack, weight)
    ours, hello = profiles["ours"], profiles["hello"]
    per_run = {which: p.total / args.runs for which, p in profiles.items()}
    print(f"profiled import + one LaunchRequest per fresh process (pyinstrument adds overhead; shares are what "
          f"count): ours {per_run['ours'] * 1e3:.1f} ms, hello {per_run['hello'] * 1e3:.1f} ms, "
          f"difference {(per_run['ours'] - per_run['hello']) * 1e3:.1f} ms")
    print()
    ours_frames, hello_frames = inclusive_per_run(ours, args.runs), inclusive_per_run(hello, args.runs)
    extra = {frame: t - hello_frames.get(frame, 0.0) for frame, t in ours_frames.items()}
    gap = per_run["ours"] - per_run["hello"]
    print("== where ours spends more than hello: inclusive time per process, ours minus hello")
    print(f"  {'extra ms':>9} {'of gap':>7}  file:function   (import machinery frames left out)")
    for frame, t in sorted(extra.items(), key=lambda kv: -kv[1])[:args.top]:
        if frame[1].startswith("<frozen") or frame[1] == "<string>" or t < 0.0005:
            continue
        print(f"  {t * 1e3:9.1f} {t / gap * 100:6.1f}%  {frame[1]}:{frame[0]}")
    print()
    print(ours.report(f"cold start of skill.lambda_function: import + one LaunchRequest, {args.runs} fresh "
                      f"processes, {per_run['ours'] * 1e3:.1f} ms each while profiled", top=30, top_self=20,
                      per_unit=per_run["ours"] * 1e3, unit="ms"))


# --- HTTP workers ------------------------------------------------------------------------------

def profile_http(args) -> None:
    import httpload
    from run import serve_defaults

    workers, threads = serve_defaults()
    workdir = httpload.workdir()
    signer = httpload.Signer(workdir)
    client = httpload.pick_client("auto")
    with httpload.Server(args.mode, workdir, workdir if args.mode == "verify" else None, workers, threads) as server:
        client(server.url, [signer.launch()], seconds=2, max_requests=100_000, connections=workers * threads,
               workdir=workdir)
        outputs = [workdir / f"pyspy-{pid}.txt" for pid in server.worker_pids()]
        spies = [subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--duration", str(int(args.seconds)),
                                   "--rate", str(args.rate), "--format", "raw", "--function", "--nonblocking",
                                   "--full-filenames", *(["--gil"] if args.gil else []), "-o", str(out)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for pid, out in zip(server.worker_pids(), outputs)]
        result = client(server.url, [signer.launch()], seconds=args.seconds + 2, max_requests=10_000_000,
                        connections=workers * threads, workdir=workdir)
        for spy in spies:
            spy.wait(timeout=args.seconds + 60)
    print(f"load while profiling: {result.rps:.0f} req/s, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms, "
          f"statuses {result.statuses}")
    profile = Profile("samples")
    for out in outputs:
        for stack, weight in from_pyspy_raw(out.read_text()).samples:
            profile.add(stack, weight)
    per_request = None
    if result.rps:
        # samples/s over both workers -> the CPU time one request costs, split by share.
        per_request = profile.total / args.rate / (result.rps * args.seconds) * 1e6
    print(profile.report(f"gunicorn workers ({args.mode}), py-spy {'--gil ' if args.gil else ''}{args.rate} Hz, "
                         f"{args.seconds:.0f} s", top=40, top_self=20, per_unit=per_request, unit="us/req"))
    handler = profile.keep_below("alexa")
    print()
    view_per_request = handler.total / args.rate / (result.rps * args.seconds) * 1e6 if result.rps else None
    print(handler.report("inside the /alexa view only (share of the view's samples)", top=30, top_self=15,
                         per_unit=view_per_request, unit="us/req"))


# --- tail latency diagnostics -----------------------------------------------------------------------

def profile_tail(args) -> None:
    """p99/p50 of the verified server under variations, to tell code cost from scheduling."""
    import httpload
    from run import serve_defaults

    workers, threads = serve_defaults()
    workdir = httpload.workdir()
    signer = httpload.Signer(workdir)
    client = httpload.pick_client("auto")
    variants = [
        ("verify", workers, threads, workers * threads, None, "as run.py: verify, default switch interval"),
        ("verify", workers, threads, workers * threads, 0.0005, "verify, sys.setswitchinterval(0.0005)"),
        ("verify", workers, threads, workers, None, f"verify, {workers} connections (one per worker)"),
        ("verify", workers, threads, workers * threads * 2, None, f"verify, {workers * threads * 2} connections"),
        ("noverify", workers, threads, workers * threads, None, "verification OFF"),
        ("floor", workers, threads, workers * threads, None, "bare Flask floor"),
        ("verify", workers * threads, 1, workers * threads, None,
         f"verify, {workers * threads} sync workers x 1 thread (diagnostic only)"),
    ]
    print(f"{'variant':<58}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'p99/p50':>9}  statuses")
    for mode, n_workers, n_threads, connections, interval, label in variants:
        server = httpload.Server(mode, workdir, workdir if mode == "verify" else None, n_workers, n_threads)
        if interval is not None:
            os.environ["BENCH_SWITCH_INTERVAL"] = str(interval)
        try:
            server.start()
        finally:
            os.environ.pop("BENCH_SWITCH_INTERVAL", None)
        try:
            client(server.url, [signer.launch()], seconds=2, max_requests=100_000, connections=connections,
                   workdir=workdir)
            runs = [httpload.clean_run(client, server, lambda: [signer.launch()], seconds=args.seconds,
                                       max_requests=10_000_000, connections=connections, workdir=workdir)
                    for _ in range(args.rounds)]
            results = [result for result, _, _, _ in runs]
            splits = [split for _, split, _, _ in runs]
            discarded = sum(len(d) for _, _, _, d in runs)
        finally:
            server.stop()
        r = httpload.median_result(results)
        print(f"{label:<58}{r.rps:>8.0f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}{r.p99_ms / r.p50_ms:>9.2f}  {r.statuses}"
              f"  worker CPU s {splits}{f' ({discarded} unbalanced/disturbed runs re-run)' if discarded else ''}",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    lat = commands.add_parser("latency")
    lat.add_argument("--calls", type=int, default=5000)
    lat.add_argument("--interval", type=float, default=0.0001)
    lat.set_defaults(run=profile_latency)
    cold = commands.add_parser("cold")
    cold.add_argument("--runs", type=int, default=10)
    cold.add_argument("--interval", type=float, default=0.0001)
    cold.add_argument("--top", type=int, default=60)
    cold.set_defaults(run=profile_cold)
    web = commands.add_parser("http")
    web.add_argument("--mode", choices=("verify", "noverify", "floor"), default="verify")
    web.add_argument("--seconds", type=float, default=10.0)
    web.add_argument("--rate", type=int, default=250)
    web.add_argument("--all-threads", dest="gil", action="store_false",
                     help="sample every non-idle thread, not only the one holding the GIL (the default)")
    web.set_defaults(run=profile_http)
    tail = commands.add_parser("tail")
    tail.add_argument("--seconds", type=float, default=8.0)
    tail.add_argument("--rounds", type=int, default=3)
    tail.set_defaults(run=profile_tail)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
