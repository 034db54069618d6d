"""The whole bench suite in one command; prints figures and writes them as a markdown table.

(a) per-submission grading of the hw3-2022 and hw2-2025 solutions: wall and CPU time with a
    cold kernel (pool size 0), with a warm pooled kernel, and the floor: the same student cells
    run by plain nbclient in an already-started local kernel (no sandbox, no probes, the
    rubric's preload imports already done, like the warm kernel's);
(b) throughput, submissions per minute, for 1 and 2 workers on a burst of N uploads;
(c) API upload latency p50/p99 during that burst (bounded: 8 clients, 127.0.0.1).

    .venv/bin/python bench/run_all.py [--runs 5] [--burst 100] [--out bench/results/bench.md]

CPU time is the grader process's own plus what its sandbox's cgroup accounted (the kernel from
its start, its cells, the checks), so a warm kernel's start-up is counted in the run that uses
it: the pool moves that work off the submission's path, it does not remove it. The floor's CPU
is the driver's plus its kernel's while the cells run. hw2-2025 grades with held-out data built from
scikit-learn's digits (the test stand-ins) and the bench's own small ViT weights.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def own_cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def measure(fn, runs: int, before=None) -> tuple[float, float, float]:  # noqa: ANN001
    """`fn` returns the CPU seconds its sandbox used and the time its student cells took.
    Medians of: wall, CPU, and wall minus the student cells (the grader's share of the run)."""
    walls, cpus, rests = [], [], []
    for _ in range(runs):
        if before is not None:
            before()
        c0, t0 = own_cpu_s(), time.perf_counter()
        sandbox_cpu, cells_s = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(own_cpu_s() - c0 + sandbox_cpu)
        rests.append(walls[-1] - cells_s)
    return statistics.median(walls), statistics.median(cpus), statistics.median(rests)


def floor(nb, preload: list[str], runs: int,  # noqa: ANN001
          data_dir: Path) -> tuple[float, float, float]:
    """The student's cells in an already-started local kernel that has done the preload, with
    the same data directory (GRADER_DATA) the sandbox gets."""
    import copy

    from jupyter_client import KernelManager
    from nbclient import NotebookClient

    walls, cpus, rests = [], [], []
    for _ in range(runs):
        km = KernelManager(kernel_name="python3")
        km.start_kernel(extra_arguments=[f"--IPKernelApp.exec_lines=import {m}"
                                         for m in preload],
                        env={**os.environ, "GRADER_DATA": str(data_dir)})
        client = NotebookClient(copy.deepcopy(nb), km=km, allow_errors=True, timeout=600)
        with client.setup_kernel():
            client.kc.wait_for_ready(timeout=60)
            c0, t0 = own_cpu_s(), time.perf_counter()
            kernel_cpu0 = _proc_cpu(km.provisioner.process.pid)
            cells_s = 0.0
            for index, cell in enumerate(client.nb.cells):
                if cell.cell_type == "code" and "train" not in cell.metadata.get("tags", []):
                    started = time.perf_counter()
                    client.execute_cell(cell, index)
                    cells_s += time.perf_counter() - started
            walls.append(time.perf_counter() - t0)
            rests.append(walls[-1] - cells_s)
            cpus.append(own_cpu_s() - c0 + _proc_cpu(km.provisioner.process.pid) - kernel_cpu0)
        km.shutdown_kernel(now=True)
    return statistics.median(walls), statistics.median(cpus), statistics.median(rests)


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def per_submission(runs: int) -> list[tuple[str, str, float, float, float]]:
    from grader.datasets import HiddenData

    data = _course_data()
    # the solution's table of accuracies, as a student would fill it in for these weights
    table = {(4, 2): data.accuracy["good"]}
    return (one_rubric("hw3-2022", {}, HiddenData(), data.data_dir, runs)
            + one_rubric("hw2-2025", {"vit.pt": data.weights["good"]}, data.hidden,
                         data.data_dir, runs, table=table))


def one_rubric(rubric_id: str, assets: dict, hidden, data_dir: Path,  # noqa: ANN001
               runs: int, table: dict | None = None,
               ) -> list[tuple[str, str, float, float, float]]:
    import nbformat

    from grader.config import Settings
    from grader.pipeline import grade_notebook, with_weights
    from grader.rubric.loader import load_rubric
    from grader.sandbox.bwrap import BwrapBackend, KernelEnv

    settings = Settings()
    loaded = load_rubric(rubric_id)
    nb = nbformat.read(str(REPO / "notebooks" / rubric_id / "solution.ipynb"), as_version=4)
    if table is not None:
        from tests.standins import with_table

        nb = with_table(nb, table)
    cold = BwrapBackend(runs_dir=settings.runs_dir)
    warm = BwrapBackend(runs_dir=settings.runs_dir, pool_size=1)
    env = KernelEnv(limits=loaded.rubric.limits, preload=tuple(loaded.rubric.kernel_preload),
                    data_dir=data_dir)

    cells: list[float] = []

    def timing(backend: BwrapBackend) -> BwrapBackend:
        run = backend.run

        def timed_run(request):  # noqa: ANN001, ANN202
            result = run(request)
            cells.append(sum(c.duration_s for c in result.cells))
            return result

        backend.run = timed_run
        return backend

    cold, warm = timing(cold), timing(warm)

    def grade(backend: BwrapBackend, expect_pooled: bool) -> tuple[float, float]:
        report = grade_notebook(nb, loaded, seed=1, backend=backend, assets=assets,
                                data_dir=data_dir, hidden=hidden)
        assert report.score == loaded.rubric.auto_points, report.model_dump_json(indent=1)
        assert report.sandbox.pooled == expect_pooled
        return report.sandbox.cpu_s or 0.0, cells[-1]

    grade(cold, False)  # the grader's own imports, the reference's caches
    rows = [(rubric_id, "cold kernel (pool size 0)", *measure(lambda: grade(cold, False), runs)),
            (rubric_id, "warm kernel from the pool",
             *measure(lambda: grade(warm, True), runs,
                      before=lambda: warm.pool.wait_ready(env, 120)))]
    warm.close()
    student = with_weights(nb, loaded.rubric.weights) if assets else nb
    rows.append((rubric_id, "floor: plain nbclient, started kernel",
                 *floor(student, loaded.rubric.kernel_preload, runs, data_dir)))
    if loaded.rubric.kernel_preload:
        rows.append((rubric_id, "plain nbclient, started kernel, imports in the cells",
                     *floor(student, [], runs, data_dir)))
    return rows


def _course_data():  # noqa: ANN202
    """FashionMNIST stand-in (digits), a held-out set and trained weights, built once."""
    from tests.standins import build_course_data

    return build_course_data(Path(tempfile.mkdtemp(prefix="grader-bench-")))


def throughput(burst: int) -> list[tuple[int, float, float, float, int]]:
    from bench.upload_load import run_load

    rows = []
    for workers in (1, 2):
        result = run_load(uploads=burst, workers=workers)
        assert result.graded == burst and result.results == burst, result
        rows.append((workers, burst / result.grade_all_s * 60, result.p50_ms, result.p99_ms,
                     result.max_attempts))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "bench.md")
    parser.add_argument("--no-burst", action="store_true", help="only (a)")
    args = parser.parse_args()
    machine = (f"{platform.node()}: {os.cpu_count()} cores, "
               f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
               f"{platform.platform()}, Python {platform.python_version()}")
    lines = [f"Measured on {machine}, {time.strftime('%Y-%m-%d')}.", "",
             f"(a) one submission, median of {args.runs}:", "",
             "| solution | kernel | wall | CPU | wall over the floor | wall minus its own student "
             "cells |", "|---|---|---|---|---|---|"]
    rows = per_submission(args.runs)
    floors = {r[0]: r[2] for r in rows if r[1].startswith("floor")}
    for rubric_id, kind, wall, cpu, rest in rows:
        over = ("—" if kind.startswith("floor") else
                f"{wall - floors[rubric_id]:+.2f} s")
        lines.append(f"| {rubric_id} | {kind} | {wall:.2f} s | {cpu:.2f} s | {over} | "
                     f"{rest:.2f} s |")
        print(lines[-1], flush=True)
    if args.no_burst:
        args.burst = 0
    lines += ["", f"(b, c) a burst of {args.burst} hw3-2022 uploads from 8 clients at once, "
                  "API and workers on the same machine, default pool (1 warm kernel per worker "
                  "process):", "",
              "| workers | graded per minute | upload p50 | upload p99 | max attempts |",
              "|---|---|---|---|---|"]
    for workers, per_min, p50, p99, attempts in (throughput(args.burst) if args.burst else []):
        lines.append(f"| {workers} | {per_min:.0f} | {p50:.0f} ms | {p99:.0f} ms | "
                     f"{attempts} |")
        print(lines[-1], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
