"""A deadline burst: N uploads at once against the API with W grading workers.

Starts a private redis-server, the API (uvicorn, its own process) and W `grader worker`
processes on a fresh database, creates a course with N/4 students, fires N uploads from C
client threads (8 by default), then waits until every submission is graded. Prints upload
latency p50/p99 (the HTTP request only), time to grade them all, and checks none was lost or
graded twice.

    .venv/bin/python bench/upload_load.py [--uploads 200] [--workers 2] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = json.loads((REPO / "notebooks/hw3-2022/solution.ipynb").read_text())
sys.path.insert(0, str(REPO))


@dataclass
class LoadResult:
    uploads: int
    latencies_s: list[float]
    grade_all_s: float
    graded: int
    results: int
    max_attempts: int

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies_s) * 1000

    @property
    def p99_ms(self) -> float:
        return statistics.quantiles(self.latencies_s, n=100)[98] * 1000


def run_load(*, uploads: int, workers: int, clients: int = 8, api_processes: int = 1,
             database_url: str | None = None, home: Path | None = None) -> LoadResult:
    from grader.embedded import free_port, start_redis

    home = home or Path(tempfile.mkdtemp(prefix="grader-load-"))
    home.chmod(0o755)
    redis, redis_url = start_redis(home / "redis")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GRADER_")},
           "GRADER_HOME": str(home), "GRADER_REDIS_URL": redis_url,
           "GRADER_UPLOADS_PER_WINDOW": "100000", "GRADER_LEASE_S": "60"}
    if database_url:
        env["GRADER_DATABASE_URL"] = database_url
    procs = [redis]
    try:
        subprocess.run([sys.executable, "-m", "grader", "migrate"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        admin = subprocess.run([sys.executable, "-m", "grader", "admin", "create-user",
                                "admin@example.edu", "--admin"], env=env, check=True,
                               capture_output=True, text=True).stdout.strip()
        port = free_port()
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "grader.api.app:app_from_env", "--factory",
             "--port", str(port), "--log-level", "warning", "--workers", str(api_processes)],
            env=env))
        for index in range(workers):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "grader", "worker", "--name", f"load{index}@%h"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            _wait_up(client)
            from tests.service.factories import make_course

            students = [f"s{i}@example.edu" for i in range(max(1, uploads // 4))]
            course = make_course(client, admin, students=tuple(students))
            tokens = list(course.students.values())
            jobs = [(tokens[i % len(tokens)], _variant(i)) for i in range(uploads)]
            started = time.monotonic()
            with ThreadPoolExecutor(clients) as pool:
                timed = list(pool.map(lambda job: _upload(client, course.assignment, *job),
                                      jobs))
            ids = [sid for sid, _ in timed]
            graded = _wait_graded(client, admin, course.assignment, len(ids))
            grade_all = time.monotonic() - started
        return LoadResult(uploads=uploads, latencies_s=[t for _, t in timed],
                          grade_all_s=grade_all, graded=graded["graded"],
                          results=graded["results"], max_attempts=graded["max_attempts"])
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def _variant(i: int) -> bytes:
    nb = json.loads(json.dumps(NOTEBOOK))
    nb["cells"][0]["source"] += f"\n\n<!-- upload {i} -->"
    return json.dumps(nb).encode()


def _upload(client: httpx.Client, assignment: int, token: str, data: bytes) -> tuple[int, float]:
    started = time.perf_counter()
    response = client.post(f"/api/v1/assignments/{assignment}/submissions",
                           files={"notebook": ("nb.ipynb", data, "application/json")},
                           headers={"Authorization": f"Bearer {token}"})
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return response.json()["id"], elapsed


def _wait_up(client: httpx.Client) -> None:
    for _ in range(200):
        try:
            client.get("/docs")
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise SystemExit("the API did not start")


def _wait_graded(client: httpx.Client, admin: str, assignment: int, expected: int,
                 timeout: float = 1200) -> dict:
    deadline = time.monotonic() + timeout
    headers = {"Authorization": f"Bearer {admin}"}
    while time.monotonic() < deadline:
        rows = client.get(f"/api/v1/assignments/{assignment}/submissions",
                          headers=headers).json()["data"]
        done = [r for r in rows if r["status"] in ("graded", "error")]
        if len(done) == expected:
            book = client.get(f"/api/v1/assignments/{assignment}/gradebook?policy=last",
                              headers=headers).json()["students"]
            return {"graded": sum(r["status"] == "graded" for r in rows),
                    "results": sum(r["submissions"] for r in book if r["total"] is not None),
                    "max_attempts": max(r["attempts"] for r in rows)}
        time.sleep(0.5)
    raise SystemExit(f"only {len(done)} of {expected} graded after {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8, help="uploads in flight at once")
    parser.add_argument("--api-processes", type=int, default=1, help="uvicorn workers")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    result = run_load(uploads=args.uploads, workers=args.workers, clients=args.clients,
                      api_processes=args.api_processes, database_url=args.database_url)
    print(f"{result.uploads} uploads in a burst from {args.clients} clients, {args.workers} "
          "workers, "
          f"{args.database_url or 'SQLite'}; {os.cpu_count()} cores")
    print("| upload p50 | upload p99 | all graded after | graded | max attempts |")
    print("|---|---|---|---|---|")
    print(f"| {result.p50_ms:.0f} ms | {result.p99_ms:.0f} ms | {result.grade_all_s:.0f} s | "
          f"{result.graded}/{result.uploads} | {result.max_attempts} |")


if __name__ == "__main__":
    main()
