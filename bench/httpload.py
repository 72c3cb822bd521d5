"""HTTP on loopback: start bench/serve.py servers, sign Alexa requests with the throwaway PKI of
tests/pki.py, drive them with wrk (Debian) or a bounded Python keep-alive client, and read the
workers' memory from /proc. Every load run is bounded both in requests and in seconds.

Shared by bench/run.py and bench/load.py. (Not named http.py: that would shadow the stdlib.)
"""

from __future__ import annotations

import copy
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _path in (str(ROOT), str(BENCH)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

SKILL_ID = "amzn1.ask.skill.test-cramp-coach"
HOST = "127.0.0.1"  # loopback only, always


# --- signing ---------------------------------------------------------------------------------

class Signer:
    """A throwaway PKI for the run; bodies are stamped and signed when asked, so a caller re-signs
    before every load run and the 150 s timestamp window always holds."""

    def __init__(self, directory: Path):
        from tests.pki import make_pki

        self.directory = directory
        self.pki = make_pki(directory)
        (directory / "chain.pem").write_bytes(self.pki.chain_pem)
        (directory / "chain.json").write_text(json.dumps({"url": self.pki.chain_url}))

    def launch(self) -> tuple[bytes, dict[str, str]]:
        """A LaunchRequest stamped now, and the headers Alexa would send with it."""
        from tests.pki import request_body, signed_headers

        body = request_body(datetime.now(timezone.utc), application_id=SKILL_ID)
        return body, signed_headers(self.pki, body)

    def envelope(self, event: dict) -> tuple[bytes, dict[str, str]]:
        """Any request envelope, restamped now and signed."""
        from tests.pki import signed_headers

        event = copy.deepcopy(event)
        event["request"]["timestamp"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = json.dumps(event).encode("utf-8")
        return body, signed_headers(self.pki, body)


# --- servers ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """One bench/serve.py process (the gunicorn master) and its workers."""

    def __init__(self, mode: str, workdir: Path, pki_dir: Path | None, workers: int, threads: int):
        self.mode, self.workdir, self.pki_dir = mode, workdir, pki_dir
        self.workers, self.threads = workers, threads
        self.port = free_port()
        self.log_path = workdir / f"server-{mode}-{self.port}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/alexa"

    def start(self, timeout: float = 60.0) -> Server:
        command = [sys.executable, str(BENCH / "serve.py"), self.mode, "--port", str(self.port),
                   "--workers", str(self.workers), "--threads", str(self.threads), "--skill-id", SKILL_ID,
                   "--data-dir", str(self.workdir / "data")]
        if self.pki_dir is not None:
            command += ["--pki-dir", str(self.pki_dir)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRAMP_COACH_")}
        # gunicorn >= 25 opens a control socket at $XDG_RUNTIME_DIR/gunicorn.ctl (else
        # ~/.gunicorn/gunicorn.ctl): give each bench server its own so they never share one.
        runtime = self.workdir / f"runtime-{self.port}"
        runtime.mkdir(mode=0o700, exist_ok=True)
        env["XDG_RUNTIME_DIR"] = str(runtime)
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.mode} server exited:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"http://{HOST}:{self.port}/healthz", timeout=2) as answer:
                    if answer.status == 200 and len(self.worker_pids()) == self.workers:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.mode} server not ready in {timeout} s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        """Children of the gunicorn master, found by scanning /proc (no CONFIG_PROC_CHILDREN needed)."""
        if self.process is None:
            return []
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            # The ppid is the second field after the parenthesised command name.
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                pids.append(int(entry))
        return sorted(pids)

    def memory(self) -> dict[int, dict[str, int]]:
        """VmRSS and VmHWM in kB of each worker."""
        result = {}
        for pid in self.worker_pids():
            values = {}
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                name, _, rest = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    values[name] = int(rest.split()[0])
            result[pid] = values
        return result

    def cpu_seconds(self) -> dict[int, float]:
        """utime + stime of each worker, to see how the load split between them."""
        ticks = os.sysconf("SC_CLK_TCK")
        result = {}
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            result[pid] = (int(fields[11]) + int(fields[12])) / ticks
        return result

    def master_cpu_seconds(self) -> float:
        if self.process is None:
            return 0.0
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM to the master we started (gunicorn stops its workers); SIGKILL by pid if stuck."""
        if self.process is None or self.process.poll() is not None:
            return
        workers = self.worker_pids()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- load clients ----------------------------------------------------------------------------

@dataclass
class LoadResult:
    client: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)  # socket-level: connect/read/write/timeout

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def bad(self) -> int:
        """Responses that are not 200 plus socket errors."""
        return sum(n for s, n in self.statuses.items() if s != 200) + sum(self.errors.values())


def _lua_string(value: str) -> str:
    level = 1
    while f"]{'=' * level}]" in value:
        level += 1
    return f"[{'=' * level}[{value}]{'=' * level}]"


_LUA_COMMON = """
limit = {limit}
handled = 0
statuses = {{}}
local threads = {{}}

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  handled = handled + 1
  statuses[status] = (statuses[status] or 0) + 1
  if limit > 0 and handled >= limit then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  io.write(string.format("BENCH requests %d\\n", summary.requests))
  io.write(string.format("BENCH duration_us %d\\n", summary.duration))
  io.write(string.format("BENCH p50_us %d\\n", latency:percentile(50)))
  io.write(string.format("BENCH p99_us %d\\n", latency:percentile(99)))
  for _, name in ipairs({{"connect", "read", "write", "timeout"}}) do
    io.write(string.format("BENCH error %s %d\\n", name, summary.errors[name]))
  end
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      io.write(string.format("BENCH status %d %d\\n", status, count))
    end
  end
end
"""


def wrk_script(requests: list[tuple[bytes, dict[str, str]]], limit: int) -> str:
    """One request is set statically (no Lua per request); several rotate through request()."""
    parts = []
    if len(requests) == 1:
        body, headers = requests[0]
        parts += ['wrk.method = "POST"', 'wrk.path = "/alexa"', f"wrk.body = {_lua_string(body.decode())}"]
        parts += [f"wrk.headers[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in headers.items()]
    else:
        parts.append("local bodies = {}")
        for body, headers in requests:
            table = ", ".join(f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in headers.items())
            lua_body = _lua_string(body.decode())
            parts.append(f'table.insert(bodies, wrk.format("POST", "/alexa", {{{table}}}, {lua_body}))')
        parts += ["local next_one = 0", "function request()", "  next_one = next_one % #bodies + 1",
                  "  return bodies[next_one]", "end"]
    return "\n".join(parts) + _LUA_COMMON.format(limit=limit)


def run_wrk(url: str, requests: list[tuple[bytes, dict[str, str]]], *, seconds: float, max_requests: int,
            connections: int, threads: int = 1, workdir: Path) -> LoadResult:
    per_thread = -(-max_requests // threads)  # ceil; wrk's Lua state is per thread
    script = workdir / f"wrk-{time.monotonic_ns()}.lua"
    script.write_text(wrk_script(requests, per_thread))
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "5s",
               "-s", str(script), url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0 or "BENCH requests" not in done.stdout:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    values: dict[str, int] = {}
    statuses: dict[int, int] = {}
    errors: dict[str, int] = {}
    for line in done.stdout.splitlines():
        words = line.split()
        if not words or words[0] != "BENCH":
            continue
        if words[1] == "status":
            statuses[int(words[2])] = statuses.get(int(words[2]), 0) + int(words[3])
        elif words[1] == "error":
            errors[words[2]] = int(words[3])
        else:
            values[words[1]] = int(words[2])
    return LoadResult("wrk", values["requests"], values["duration_us"] / 1e6, values["p50_us"] / 1e3,
                      values["p99_us"] / 1e3, statuses, {k: v for k, v in errors.items() if v})


def run_python(url: str, requests: list[tuple[bytes, dict[str, str]]], *, seconds: float, max_requests: int,
               connections: int, threads: int = 1, workdir: Path | None = None) -> LoadResult:
    """Closed loop: ``connections`` threads, each with one keep-alive http.client connection."""
    del threads, workdir
    parsed = urllib.request.urlparse(url)
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    issued = [0]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: dict[str, int] = {}

    def take() -> int | None:
        with lock:
            if issued[0] >= max_requests or time.monotonic() >= deadline:
                return None
            issued[0] += 1
            return issued[0]

    def worker() -> None:
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=5)
        mine: list[float] = []
        my_statuses: dict[int, int] = {}
        my_errors: dict[str, int] = {}
        while (number := take()) is not None:
            body, headers = requests[number % len(requests)]
            start = time.perf_counter()
            try:
                connection.request("POST", parsed.path, body=body, headers=headers)
                answer = connection.getresponse()
                answer.read()
            except (OSError, http.client.HTTPException) as error:
                kind = "timeout" if isinstance(error, TimeoutError) else "read"
                my_errors[kind] = my_errors.get(kind, 0) + 1
                connection.close()
                connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=5)
                continue
            mine.append(time.perf_counter() - start)
            my_statuses[answer.status] = my_statuses.get(answer.status, 0) + 1
        connection.close()
        with lock:
            latencies.extend(mine)
            for status, count in my_statuses.items():
                statuses[status] = statuses.get(status, 0) + count
            for kind, count in my_errors.items():
                errors[kind] = errors.get(kind, 0) + count

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=seconds + 30)
    elapsed = time.perf_counter() - started
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1e3 if latencies else 0.0

    return LoadResult("python", len(latencies), elapsed, percentile(50), percentile(99), statuses, errors)


def pick_client(name: str):
    """'auto' is wrk when installed, else the Python client."""
    if name == "wrk" or (name == "auto" and shutil.which("wrk")):
        if not shutil.which("wrk"):
            raise SystemExit("wrk is not installed (apt-get install -y wrk), or use --client python")
        return run_wrk
    return run_python


def merge(results: list[LoadResult]) -> LoadResult:
    """Chunks of one logical run: summed counts, request-weighted latency figures (approximate)."""
    total = sum(r.requests for r in results)
    statuses: dict[int, int] = {}
    errors: dict[str, int] = {}
    for r in results:
        for k, v in r.statuses.items():
            statuses[k] = statuses.get(k, 0) + v
        for k, v in r.errors.items():
            errors[k] = errors.get(k, 0) + v
    weight = [(r.requests or 1) for r in results]
    return LoadResult(results[0].client, total, sum(r.seconds for r in results),
                      sum(r.p50_ms * w for r, w in zip(results, weight)) / sum(weight),
                      max(r.p99_ms for r in results), statuses, errors)


def median_result(results: list[LoadResult]) -> LoadResult:
    """Median rps/p50/p99 over rounds (each figure's own median), summed statuses."""
    merged = merge(results)
    rps = statistics.median(r.rps for r in results)
    return LoadResult(results[0].client, merged.requests, merged.requests / rps if rps else 0.0,
                      statistics.median(r.p50_ms for r in results), statistics.median(r.p99_ms for r in results),
                      merged.statuses, merged.errors)


def machine_busy_seconds() -> float:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # all but idle, iowait


def our_cpu_seconds() -> float:
    """This process and its finished children (the load client)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def wait_quiet(max_wait: float = 90.0, threshold: float = 0.10, sample: float = 2.0) -> float:
    """Waits (at most ``max_wait`` s) until the machine is nearly idle; returns the last busy share."""
    cpus = os.cpu_count() or 1
    deadline = time.monotonic() + max_wait
    while True:
        busy_before = machine_busy_seconds()
        time.sleep(sample)
        share = (machine_busy_seconds() - busy_before) / (sample * cpus)
        if share < threshold or time.monotonic() >= deadline:
            return share


def clean_run(client, server: Server, requests_fn, *, seconds: float, max_requests: int, connections: int,
              workdir: Path, retries: int = 3, max_foreign: float = 0.10, on_run=None):
    """One load run that used every worker and had the machine to itself; re-run (at most
    ``retries`` times) when it did not:

    - unbalanced: gthread workers race to accept the client's keep-alive connections, and now and
      then one worker takes them all and the other idles for the whole run; that run measures
      one worker, not the configured server.
    - disturbed: CPU used on the machine by processes that are neither the server's workers nor
      the load client nor this process, above ``max_foreign`` of the machine's capacity.

    Returns (result, worker CPU seconds split, foreign CPU share, discarded [(result, split, foreign, why)])."""
    cpus = os.cpu_count() or 1
    discarded = []
    for attempt in range(1 + retries):
        before, busy_before, ours_before = server.cpu_seconds(), machine_busy_seconds(), our_cpu_seconds()
        master_before = server.master_cpu_seconds()
        started = time.monotonic()
        result = client(server.url, requests_fn(), seconds=seconds, max_requests=max_requests,
                        connections=connections, workdir=workdir)
        wall = time.monotonic() - started
        after, busy_after, ours_after = server.cpu_seconds(), machine_busy_seconds(), our_cpu_seconds()
        split = [round(after[p] - before.get(p, 0.0), 2) for p in sorted(after)]
        ours = sum(split) + (ours_after - ours_before) + (server.master_cpu_seconds() - master_before)
        foreign = max(0.0, (busy_after - busy_before) - ours) / (wall * cpus)
        why = []
        if len(split) >= 2 and min(split) < sum(split) * 0.5 / len(split):
            why.append("unbalanced")
        if foreign > max_foreign:
            why.append(f"disturbed ({foreign * 100:.0f}% CPU used by other processes)")
        if on_run is not None:
            on_run(result, split, foreign, why)
        if not why or attempt == retries:
            return result, split, foreign, discarded
        discarded.append((result, split, foreign, why))
        if foreign > max_foreign:
            wait_quiet()  # someone else's job: let it finish rather than measure alongside it
    raise AssertionError("unreachable")


def workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="cramp-bench-"))
