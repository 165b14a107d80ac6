"""Load generation: a fixed number of connections on one URL for a fixed time.

``wrk`` when it is installed, otherwise a Python client (threads, ``http.client``), which
costs far more CPU and saturates first on a small machine. Every response is checked (status
200 and an expected text); wrong responses and socket errors count as errors.
"""

from __future__ import annotations

import http.client
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.server import HOST, Server


@dataclass
class Run:
    """One timed run of one URL, and the CPU the gunicorn workers used meanwhile."""

    label: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int
    server_cpu_s: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_s / self.requests


WRK_SCRIPT = """
-- Every response is checked: status 200 and the expected text (the script's argument).
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) expected = args[1]; bad = 0 end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, expected, 1, true) then bad = bad + 1 end
end
function done(summary, latency, requests)
  local e, b = summary.errors, 0
  for _, thread in ipairs(threads) do b = b + thread:get("bad") end
  io.write(string.format("BENCH %d %d %d %d %d %d %d %d %d %d\\n", summary.requests,
    summary.duration, b, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""


def run_wrk(url: str, seconds: int, concurrency: int, lua: Path, expected: str) -> tuple:
    """wrk with one thread: (requests, seconds, p50 ms, p95 ms, errors)."""
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["-s", str(lua), url, "--", expected]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if out.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    requests, duration_us, *errors, p50_us, p95_us = map(int, line.split()[1:])
    return requests, duration_us / 1e6, p50_us / 1000, p95_us / 1000, sum(errors)


def run_python(port: int, path: str, seconds: int, concurrency: int, expected: bytes) -> tuple:
    """Threads with keep-alive connections (gunicorn's sync workers close them after each
    response; http.client reconnects): (requests, seconds, p50 ms, p95 ms, errors)."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    barrier = threading.Barrier(concurrency + 1)
    stop_at = [0.0]

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        barrier.wait()
        while time.perf_counter() < stop_at[0]:
            t0 = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                ok = response.status == 200 and expected in response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                ok = False
            latencies[i].append(time.perf_counter() - t0)
            errors[i] += not ok
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    stop_at[0] = t0 + seconds
    barrier.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    merged = sorted(x for lat in latencies for x in lat)
    if len(merged) < 2:
        raise SystemExit(f"Fewer than 2 requests to {path} completed in {seconds} s.")
    q = statistics.quantiles(merged, n=100)
    return len(merged), elapsed, 1000 * q[49], 1000 * q[94], sum(errors)


@dataclass(frozen=True)
class Load:
    """How to load a server: the client ("wrk" or "python") and its connections."""

    client: str
    concurrency: int
    lua: Path  # WRK_SCRIPT, written to a file

    def run(self, server: Server, path: str, label: str, seconds: int, expected: str) -> Run:
        """Wait for the workers to be idle, then load ``path`` for ``seconds``."""
        server.drain()
        cpu = server.worker_cpu_seconds()
        if self.client == "wrk":
            url = f"http://{HOST}:{server.port}{path}"
            result = run_wrk(url, seconds, self.concurrency, self.lua, expected)
        else:
            result = run_python(server.port, path, seconds, self.concurrency, expected.encode())
        run = Run(label, *result)
        run.server_cpu_s = server.worker_cpu_seconds() - cpu
        return run
