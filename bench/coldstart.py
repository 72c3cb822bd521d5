"""Cold start: a fresh ``python3 -c`` process that imports a Lambda module and answers one
LaunchRequest, for our skill.lambda_function and for bench/hello_skill.py, interleaved.

Two figures per run: the whole process as the parent sees it (interpreter start-up included,
what a Lambda init pays) and, printed by the child, import + first call alone. Both children
first import what the Lambda runtime's bootstrap has already imported (BOOTSTRAP), as in Lambda.
Used by bench/run.py; also runs alone: python bench/coldstart.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
LAUNCH = ROOT / "tests" / "fixtures" / "requests" / "launch.json"
SKILL_ID = "amzn1.ask.skill.test-cramp-coach"
MODULES = {"hello": "hello_skill", "ours": "skill.lambda_function"}
# What AWS's Python runtime (awslambdaric/bootstrap.py) has imported before it imports the
# handler module: a Lambda init never pays for these again, so neither side is timed for them.
BOOTSTRAP = "importlib, json, logging, os, sys, time, traceback"
CHILD = """\
import {bootstrap}
_t0 = time.perf_counter()
import {module} as m
_answer = m.lambda_handler(json.loads(open({event!r}).read()), None)
_t1 = time.perf_counter()
assert _answer["response"]["outputSpeech"], _answer
print("INPROC", _t1 - _t0)
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRAMP_COACH_")}
    env.update(PYTHONPATH=os.pathsep.join([str(ROOT), str(BENCH)]), CRAMP_COACH_SKILL_ID=SKILL_ID,
               PYTHONDONTWRITEBYTECODE="")  # .pyc files are used, as in a deployed package
    # The rest of what serverless.yml gives the function (the store is not touched by a launch).
    env.update(CRAMP_COACH_STORE="dynamodb://cramp-coach-memory-dev", CRAMP_COACH_AUDIO_DIR="audio-pack")
    return env


def one_run(which: str, timeout: float = 60.0) -> tuple[float, float]:
    """(process wall seconds, in-process import + first call seconds)."""
    code = CHILD.format(bootstrap=BOOTSTRAP, module=MODULES[which], event=str(LAUNCH))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), capture_output=True,
                          text=True, timeout=timeout)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"cold start of {which} failed:\n{done.stderr}")
    inproc = float(re.search(r"INPROC (\S+)", done.stdout).group(1))
    return wall, inproc


@dataclass
class ColdResult:
    wall: dict[str, float]    # median process wall seconds, by "hello"/"ours"
    inproc: dict[str, float]  # median import + first call seconds
    runs: int

    def ratio(self) -> float:
        return self.wall["ours"] / self.wall["hello"]

    def inproc_ratio(self) -> float:
        return self.inproc["ours"] / self.inproc["hello"]


def measure(runs: int = 15) -> ColdResult:
    for which in MODULES:
        one_run(which)  # writes .pyc files and warms the page cache before anything counts
    walls: dict[str, list[float]] = {which: [] for which in MODULES}
    inprocs: dict[str, list[float]] = {which: [] for which in MODULES}
    for _ in range(runs):
        for which in MODULES:
            wall, inproc = one_run(which)
            walls[which].append(wall)
            inprocs[which].append(inproc)
    return ColdResult({k: statistics.median(v) for k, v in walls.items()},
                      {k: statistics.median(v) for k, v in inprocs.items()}, runs)


@dataclass
class ImportRow:
    module: str
    self_us: int
    cumulative_us: int
    depth: int
    parent: str  # the module whose import triggered this one ("" at the top)


PROJECT = ("skill", "speech", "content")


def _is_project(module: str) -> bool:
    return module.split(".")[0] in PROJECT


def import_times(which: str = "ours", repeats: int = 5) -> list[ImportRow]:
    """``python -X importtime``, median per module over a few runs; the tree from the first run."""
    per_module: dict[str, list[tuple[int, int]]] = {}
    tree: list[tuple[str, int]] = []
    for attempt in range(repeats):
        done = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {BOOTSTRAP}; import {MODULES[which]}"],
                              cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60)
        for line in done.stderr.splitlines():
            found = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
            if found:
                per_module.setdefault(found.group(4), []).append((int(found.group(1)), int(found.group(2))))
                if attempt == 0:
                    tree.append((found.group(4), len(found.group(3)) // 2))
    # importtime prints a module when its import ends, so its parent is the next line one level up.
    rows = []
    for index, (name, depth) in enumerate(tree):
        parent = next((other for other, d in tree[index + 1:] if d < depth), "")
        values = per_module[name]
        rows.append(ImportRow(name, int(statistics.median(v[0] for v in values)),
                              int(statistics.median(v[1] for v in values)), depth, parent))
    return rows


def offenders(rows: list[ImportRow], hello: list[ImportRow], top: int = 12) -> tuple[list[ImportRow], list[ImportRow]]:
    """(our own modules by self time, the imports our modules add that hello does not have, by
    cumulative time: what a lazier import in our code would save)."""
    shared = {r.module for r in hello}
    ours = sorted((r for r in rows if _is_project(r.module)), key=lambda r: r.self_us, reverse=True)[:top]
    added = [r for r in rows if r.module not in shared and not _is_project(r.module)
             and (_is_project(r.parent) or r.parent == "")]
    return ours, sorted(added, key=lambda r: r.cumulative_us, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--importtime", action="store_true", help="also list import-time offenders")
    args = parser.parse_args()
    result = measure(args.runs)
    for which in MODULES:
        print(f"{which:<6} process {result.wall[which] * 1e3:8.1f} ms   "
              f"import+call {result.inproc[which] * 1e3:8.1f} ms")
    print(f"ratio  process {result.ratio():.2f}x   import+call {result.inproc_ratio():.2f}x  ({args.runs} runs each)")
    if args.importtime:
        own, added = offenders(import_times("ours"), import_times("hello"))
        print("our modules by self time:", *(f"  {r.module}: {r.self_us / 1e3:.1f} ms" for r in own), sep="\n")
        print("imports only ours makes (cumulative):",
              *(f"  {r.module}: {r.cumulative_us / 1e3:.1f} ms (imported by {r.parent})" for r in added), sep="\n")


if __name__ == "__main__":
    main()
