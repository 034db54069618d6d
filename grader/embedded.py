"""`grader serve`: the whole service on one machine, for a course without an operator.

SQLite in GRADER_HOME, a private redis-server (Debian package `redis-server`) when
GRADER_REDIS_URL is not set, one worker process, and the API in this process.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from grader.config import Settings, get_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(directory: Path) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed: `sudo apt-get install -y redis-server`, "
                         "or set GRADER_REDIS_URL to a Redis you run")
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(directory)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"redis://127.0.0.1:{port}/0"
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("redis-server did not start")


def serve_embedded(*, host: str, port: int, workers: int) -> None:
    import uvicorn

    from grader.api.app import create_app
    from grader.db.migrate import upgrade

    settings = get_settings()
    children: list[subprocess.Popen] = []
    env = dict(os.environ)
    if not settings.redis_url:
        redis, url = start_redis(settings.home / "redis")
        children.append(redis)
        env["GRADER_REDIS_URL"] = url
        settings = Settings(**{**settings.model_dump(), "redis_url": url})
    upgrade(settings.sqlalchemy_url())
    for index in range(workers):
        children.append(subprocess.Popen(
            [sys.executable, "-m", "grader", "worker", "--name", f"embedded{index}@%h"], env=env))
    # uvicorn re-raises the SIGTERM it handled once it has shut down; with the default handler
    # that ends this process before the `finally` below could stop the workers and Redis (found
    # as leftover workers after the serve test). Turn it into an ordinary exit instead.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        print(f"grader: API on http://{host}:{port}/docs, {workers} worker(s), database "
              f"{settings.sqlalchemy_url()}", flush=True)
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
    finally:
        # workers first: a worker whose broker is already gone retries instead of exiting
        children.reverse()
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
