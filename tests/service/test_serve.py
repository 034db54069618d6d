"""`grader serve`: the embedded default on one machine (SQLite, a private Redis, one worker)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from grader.embedded import free_port
from tests.service.factories import API, auth, make_course, upload, wait_for_status

pytestmark = pytest.mark.sandbox


def test_serve_runs_api_worker_and_redis_and_grades_an_upload(public_tmp):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
    env["GRADER_HOME"] = str(public_tmp)
    admin = subprocess.run([sys.executable, "-m", "grader", "migrate"], env=env, check=True,
                           capture_output=True)
    admin = subprocess.run([sys.executable, "-m", "grader", "admin", "create-user",
                            "prof@example.edu", "--admin"], env=env, check=True,
                           capture_output=True, text=True).stdout.strip()
    server = subprocess.Popen([sys.executable, "-m", "grader", "serve", "--port", str(port)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    client.get("/docs")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline and server.poll() is None
                    time.sleep(0.1)
            course = make_course(client, admin)
            ada = course.students["ada@example.edu"]
            sid = upload(client, ada, course.assignment).json()["id"]
            assert wait_for_status(client, ada, sid, timeout=60)["status"] == "graded"
            result = client.get(f"{API}/submissions/{sid}/result", headers=auth(ada)).json()
            assert result["auto_score"] == 45
        assert (public_tmp / "grader.db").exists()
    finally:
        server.terminate()
        server.wait(20)
        server.stdout.close()
    # stopping `grader serve` stops what it started: its worker and its private redis-server
    deadline = time.monotonic() + 15
    while (left := _started_by(public_tmp)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, left


def _started_by(home) -> list[str]:  # noqa: ANN001
    """Live processes whose environment or command line names this GRADER_HOME."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            environ = (proc / "environ").read_bytes()
            cmdline = (proc / "cmdline").read_bytes()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and (f"GRADER_HOME={home}".encode() in environ.split(b"\0")
                             or str(home).encode() in cmdline):
            found.append(cmdline.replace(b"\0", b" ").decode(errors="replace")[:120])
    return found
