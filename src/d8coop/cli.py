"""The `d8coop` console script: a thin wrapper over Django's management commands.

d8coop setup                 migrate, load reference data, ensure an administrator, static
d8coop serve [--no-worker]   gunicorn + WhiteNoise on 127.0.0.1:8000, with the task worker
d8coop worker                the background task worker
d8coop clock [--once]        the periodic jobs (deadlines, reminders, digests) every minute
d8coop consultations close-due [--as-of ISO-8601]   close the rounds past their deadline
d8coop load-reference-data   load the shipped D-8 record (idempotent)
d8coop fulltext rebuild      re-index what full-text search finds
d8coop create-user / create-token / <any Django command>
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

ALIASES = {
    "load-reference-data": "load_reference_data",
    "create-user": "create_user",
    "create-token": "create_token",
    "ensure-admin": "ensure_admin",
    "worker": "db_worker",
}


def _django(argv: list[str]) -> None:
    from django.conf import settings
    from django.core.management import execute_from_command_line

    # The embedded database and uploads live here; a fresh checkout has no such folder yet.
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    execute_from_command_line(["d8coop", *argv])


def _setup() -> None:
    for command in (["migrate", "--no-input", "-v", "0"], ["load_reference_data"],
                    ["ensure_admin"], ["collectstatic", "--no-input", "-v", "0"]):  # fmt: skip
        _django(command)


def _serve(args: list[str]) -> int:
    bind = os.environ.get("D8COOP_BIND", "127.0.0.1:8000")
    workers = os.environ.get("WEB_CONCURRENCY", "3")
    children = []
    if "--no-worker" not in args:  # the task worker and the clock
        for role in ("worker", "clock"):
            children.append(subprocess.Popen([sys.executable, "-m", "d8coop.cli", role]))
    gunicorn = [sys.executable, "-m", "gunicorn", "d8coop.wsgi", "--bind", bind,
                "--workers", workers, "--access-logfile", "-"]  # fmt: skip
    web = subprocess.Popen(gunicorn)
    children.append(web)
    print(f"D-8 Industrial Cooperation Platform: http://{bind}/", flush=True)

    def stop(*_: object) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        return web.wait()
    finally:
        stop()
        for child in children:
            child.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "d8coop.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print(__doc__)
        return 0
    command, rest = args[0], args[1:]
    if command == "serve":
        return _serve(rest)
    if command == "setup":
        _setup()
        return 0
    _django([ALIASES.get(command, command), *rest])
    return 0


if __name__ == "__main__":
    sys.exit(main())
