"""Round-trip time of each Cramp Coach MCP tool call, over stdio and streamable HTTP, next to an
empty tool on the same server in the same run (the SDK's and the transport's own cost).

Both transports run the real server (skill.local.mcp_server.build_server) in a child process,
with one extra tool, ``empty``, that returns at once. Calls are interleaved round by round, so
the ratios hold on any machine. Alexa+'s guidance for a tool is an answer within 500 ms.

    python bench/mcp.py [--rounds 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# This file is called mcp.py: its own folder must not shadow the mcp package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CALLS = {
    "relief": {"muscle": "back of my leg"},
    "guided_routine": {"muscle": "calf"},
    "check_symptom": {"symptom": "chest pain"},
    "tip": {"topic": "hydration"},
    "causes": {},
    "when_to_see_doctor": {},
}
GUIDANCE_MS = 500.0


def serve(transport: str, port: int) -> None:
    """The child: the real server plus the empty tool."""
    from skill.local.mcp_server import build_server, security

    def empty() -> str:
        return ""

    server = build_server(extra={"empty": empty})
    if transport == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host="127.0.0.1", port=port, transport_security=security("127.0.0.1", port))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def measure(server, rounds: int) -> dict[str, list[float]]:
    from mcp import Client

    times: dict[str, list[float]] = {name: [] for name in ("empty", *CALLS)}
    async with Client(server) as client:
        for name, arguments in (("empty", {}), *CALLS.items()):  # warm up every path once
            await client.call_tool(name, arguments)
        for _ in range(rounds):
            for name, arguments in (("empty", {}), *CALLS.items()):
                started = time.perf_counter()
                result = await client.call_tool(name, arguments)
                times[name].append((time.perf_counter() - started) * 1000)
                assert not result.is_error, (name, result.content)
    return times


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_child(port: int) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, __file__, "--serve", "http", "--port", str(port)], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env={**os.environ, "CRAMP_COACH_STORE": "none"})
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return child
        except OSError:
            if child.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the MCP HTTP server did not start") from None
            time.sleep(0.1)


def report(transport: str, times: dict[str, list[float]]) -> list[str]:
    base = statistics.median(times["empty"])
    lines = [f"{transport}: {len(times['empty'])} calls a tool",
             f"  {'tool':<20} {'median ms':>10} {'p99 ms':>8} {'x empty':>8}"]
    for name, values in times.items():
        median = statistics.median(values)
        lines.append(f"  {name:<20} {median:>10.2f} {percentile(values, 0.99):>8.2f} {median / base:>7.2f}x")
    worst = max(percentile(values, 0.99) for values in times.values())
    lines.append(f"  slowest p99 {worst:.1f} ms: {'within' if worst < GUIDANCE_MS else 'OVER'} "
                 f"the {GUIDANCE_MS:.0f} ms guidance")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=40, help="calls of each tool per transport (default: 40)")
    parser.add_argument("--serve", choices=("stdio", "http"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return 0
    from mcp import StdioServerParameters

    stdio = StdioServerParameters(command=sys.executable, args=[__file__, "--serve", "stdio"], cwd=str(ROOT),
                                  env={**os.environ, "CRAMP_COACH_STORE": "none"})
    lines = report("stdio", asyncio.run(measure(stdio, args.rounds)))
    port = free_port()
    child = http_child(port)
    try:
        lines += report("streamable HTTP", asyncio.run(measure(f"http://127.0.0.1:{port}/mcp", args.rounds)))
    finally:
        child.terminate()
        child.wait(timeout=30)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
