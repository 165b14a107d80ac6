"""The server under test: gunicorn serving ``scripts/bench_minimal_app.py`` on 127.0.0.1.

``Server`` is a context manager: gunicorn runs in its own process group, which is stopped
(SIGTERM, then SIGKILL after 15 s) when the block exits, whether normally, on an error or on
Ctrl-C. It also reads the CPU time of its workers from ``/proc``.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

SCRIPTS_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = SCRIPTS_DIR.parent
HOST = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def fetch(port: int, path: str) -> tuple[int, bytes]:
    """One GET request: its status and body."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Server:
    """gunicorn (sync workers) serving ``bench_minimal_app:application`` on a free port.

    ``env`` is added to this process's environment; ``ready_path`` is polled until it
    answers 200.
    """

    def __init__(self, workers: int, log_path: Path, env: dict[str, str], ready_path: str):
        self.port = free_port()
        self.workers = workers
        self.log_path = log_path
        self.env = env
        self.ready_path = ready_path
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        env = {**os.environ, **self.env}
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in [str(SCRIPTS_DIR), env.get("PYTHONPATH", "")] if p
        )
        command = [sys.executable, "-m", "gunicorn", "bench_minimal_app:application"]
        command += ["--bind", f"{HOST}:{self.port}", "--workers", str(self.workers)]
        command += ["--worker-class", "sync", "--log-level", "warning"]
        command += ["--error-logfile", str(self.log_path)]
        self.process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: we stop exactly what we started
        )
        self.wait_until_ready(timeout=30)

    def wait_until_ready(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited early; its log:\n{self.log()}")
            with contextlib.suppress(OSError):
                if fetch(self.port, self.ready_path)[0] == 200:
                    return
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s; log:\n{self.log()}")

    def worker_cpu_seconds(self) -> float:
        """User + system CPU of the workers (the children of our gunicorn), from /proc."""
        assert self.process is not None
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid:  # fields[1] is the parent's pid
                    total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        return total

    def drain(self, timeout: float = 15) -> None:
        """Wait until the workers are idle: requests still in flight when a run's client
        stopped would otherwise be served, and counted, during the next run."""
        deadline = time.monotonic() + timeout
        before = self.worker_cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = self.worker_cpu_seconds()
            if now - before < 0.015:  # ~1 clock tick: idle (the heartbeat is cheaper)
                return
            before = now

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)  # the group led by our gunicorn
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
