"""How much the sandbox and the probes cost: `grader grade` vs plain nbclient, hw3-2022 solution.

Prints the median wall time of 5 runs of each, and their ratio, two ways:
- as commands (a fresh process each time, as a user or a worker task pays it);
- in one warm process (pipeline.grade_notebook vs NotebookClient.execute), without start-up.
Plain nbclient runs the same notebook with no sandbox, no limits and no probes.

    .venv/bin/python bench/grade_time.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "hw3-2022" / "solution.ipynb"
PLAIN = ("import nbformat, nbclient; nb = nbformat.read({path!r}, as_version=4); "
         "nbclient.NotebookClient(nb, kernel_name='python3').execute()")


def timed(fn, runs: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def command(args: list[str]) -> None:
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    py = sys.executable
    grader_cmd = timed(lambda: command([py, "-m", "grader", "grade", str(NOTEBOOK), "--rubric",
                                        "hw3-2022", "--seed", "1"]), runs)
    plain_cmd = timed(lambda: command([py, "-c", PLAIN.format(path=str(NOTEBOOK))]), runs)

    import nbclient
    import nbformat

    from grader.config import Settings
    from grader.pipeline import grade_notebook
    from grader.rubric.loader import load_rubric
    from grader.sandbox import get_backend

    settings = Settings()
    loaded = load_rubric("hw3-2022")
    backend = get_backend(settings.sandbox, settings, pool=False)  # cold kernels: see run_all.py
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    grade_notebook(nb, loaded, seed=1, backend=backend)  # warm the imports
    grader_warm = timed(lambda: grade_notebook(nb, loaded, seed=1, backend=backend), runs)
    plain_warm = timed(lambda: nbclient.NotebookClient(
        nbformat.read(str(NOTEBOOK), as_version=4), kernel_name="python3").execute(), runs)

    print(f"hw3-2022 solution, median of {runs} runs; {platform.node()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, sandbox "
          f"{settings.sandbox}")
    print("| | grader (sandbox + probes) | plain nbclient | ratio |")
    print("|---|---|---|---|")
    print(f"| command, fresh process | {grader_cmd:.2f} s | {plain_cmd:.2f} s | "
          f"{grader_cmd / plain_cmd:.2f}× |")
    print(f"| in one warm process | {grader_warm:.2f} s | {plain_warm:.2f} s | "
          f"{grader_warm / plain_warm:.2f}× |")


if __name__ == "__main__":
    main()
