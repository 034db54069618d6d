"""Real services for the service tests: a redis-server of our own, SQLite and PostgreSQL,
Celery worker processes started as an operator would (`grader worker`)."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import uvicorn

from grader.api.app import create_app
from grader.config import Settings
from grader.db import repo
from grader.db.migrate import upgrade
from grader.db.session import make_engine, make_sessionmaker
from grader.embedded import free_port, start_redis

POSTGRES_URL = os.environ.get("GRADER_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/test")


class RedisServer:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.proc, self.url = start_redis(directory)
        self.port = int(self.url.rsplit(":", 1)[1].split("/")[0])

    def flush(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "flushall"], check=True,
                       stdout=subprocess.DEVNULL)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)

    def restart(self) -> None:
        """Stop and start on the same port; it keeps nothing on disk, so queues are lost."""
        self.stop()
        binary = "redis-server"
        self.proc = subprocess.Popen([binary, "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no",
                                      "--dir", str(self.directory)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    redis_server.flush()
    return redis_server.url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'grader.db'}"
        upgrade(url)
        yield url
        return
    schema = f"grader_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    upgrade(url)
    yield url
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def service_settings(database_url, redis_url, public_tmp) -> Settings:
    return Settings(database_url=database_url, redis_url=redis_url, home=public_tmp,
                    runs_dir=Path("/tmp/grader-test-runs"), lease_s=3, reap_interval_s=1,
                    requeue_queued_after_s=600, max_attempts=3)


def settings_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
    for key, value in settings.model_dump().items():
        if value is not None and key not in ("rubrics_dir",):
            env[f"GRADER_{key.upper()}"] = str(value)
    return env


class Workers:
    """`grader worker` processes; each logs to its own file."""

    def __init__(self, settings: Settings, logs: Path) -> None:
        self.settings, self.logs, self.procs = settings, logs, []

    def start(self, **overrides: object) -> subprocess.Popen:
        settings = self.settings.model_copy(update=overrides)
        log = self.logs / f"worker{len(self.procs)}.log"
        with log.open("wb") as log_file:  # the child keeps its own copy of the descriptor
            proc = subprocess.Popen([sys.executable, "-m", "grader", "worker", "--name",
                                     f"w{len(self.procs)}-{os.getpid()}@%h"],
                                    env=settings_env(settings), stdout=log_file,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        deadline = time.monotonic() + 30
        while b"ready." not in log.read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        return proc

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL the worker and its pool processes at once, as a crash would."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def workers(service_settings, tmp_path) -> Iterator[Workers]:
    pool = Workers(service_settings, tmp_path)
    yield pool
    pool.stop_all()


@pytest.fixture
def sessions(service_settings):  # noqa: ANN201
    engine = make_engine(service_settings.sqlalchemy_url())
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def admin_token(sessions) -> str:
    with sessions() as session:
        user = repo.create_user(session=session, email="admin@example.edu", is_admin=True)
        token = repo.issue_token(session=session, user=user)
        session.commit()
    return token


@pytest.fixture
def http(service_settings):  # noqa: ANN201
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(service_settings), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        yield client
    server.should_exit = True
    thread.join(10)
