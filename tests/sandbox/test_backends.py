"""Backend choice and degraded modes: rlimit fallback, the development backend, no bwrap."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from grader.rubric.models import Limits
from grader.sandbox import cgroups
from grader.sandbox.bwrap import BwrapBackend
from grader.sandbox.process import ProcessBackend
from tests.conftest import REPO
from tests.factories import CAUSAL, grade, make_notebook, run_cells, stdout

pytestmark = pytest.mark.sandbox


def test_without_cgroups_limits_fall_back_to_rlimits_and_every_report_says_so(
        settings, hostile_rubric, tmp_path):
    backend = BwrapBackend(runs_dir=settings.runs_dir, cgroup_root=tmp_path)  # no controllers
    bomb = "try:\n    x = bytearray(3 * 2**30)\nexcept MemoryError:\n    print('refused')"
    report = grade(make_notebook(bomb, CAUSAL), hostile_rubric, backend)
    assert report.sandbox.limits_enforced_by.startswith("rlimit (no cgroup")
    assert any("limits enforced by rlimit" in w for w in report.sandbox.warnings)
    assert report.score == 10  # the address-space limit refused the allocation; kernel lived


def test_cgroup_v1_is_detected_here_and_limits_are_written(tmp_path):
    for controller in ("memory", "pids", "cpu"):
        (tmp_path / controller).mkdir()
    limits = Limits(memory="300MiB", pids=40, cpus=0.5)
    plan = cgroups.plan_limits("1-abc", limits, root=tmp_path)
    assert plan.enforced_by == "cgroup v1"
    assert (tmp_path / "memory/grader/1-abc/memory.limit_in_bytes").read_text() == str(300 * 2**20)
    assert (tmp_path / "pids/grader/1-abc/pids.max").read_text() == "40"
    assert (tmp_path / "cpu/grader/1-abc/cpu.cfs_quota_us").read_text() == "50000"
    assert "--fsize=268435456" in plan.prlimit_args  # backstops stay


def test_cgroup_v2_is_detected_from_the_unified_root(tmp_path):
    (tmp_path / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    plan = cgroups.plan_limits("1-abc", Limits(memory="1GiB", pids=50), root=tmp_path)
    assert plan.enforced_by == "cgroup v2"
    group = tmp_path / "grader" / "1-abc"
    assert (group / "memory.max").read_text() == str(2**30)
    assert (group / "pids.max").read_text() == "50"
    assert (group / "cpu.max").read_text() == "100000 100000"


def test_leftover_groups_of_dead_graders_are_swept_and_live_ones_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    for name in (f"{dead}-aaaa", f"{os.getpid()}-bbbb"):
        (tmp_path / "memory" / "grader" / name).mkdir(parents=True)
    assert cgroups.sweep_leftovers(tmp_path) == 1
    assert [p.name for p in (tmp_path / "memory" / "grader").iterdir()] == [f"{os.getpid()}-bbbb"]


def test_process_backend_warns_on_every_use(hostile_rubric, caplog):
    backend = ProcessBackend()
    for _ in range(2):
        report = grade(make_notebook(CAUSAL), hostile_rubric, backend)
        assert report.score == 10
        assert any("NO isolation" in w for w in report.sandbox.warnings)
    assert sum("NO isolation" in r.message for r in caplog.records) == 2


def test_process_backend_runs_cells_in_the_submission_directory(tmp_path):
    (tmp_path / "vit.pt").write_bytes(b"w")
    result = run_cells(ProcessBackend(), "import os\nprint(sorted(os.listdir('.')))",
                       assets={"vit.pt": tmp_path / "vit.pt"})
    assert stdout(result, 0).strip() == "['.k-1', '.k-2', '.k-3', '.k-4', '.k-5', " \
        "'.kernel.json', 'submission.ipynb', 'vit.pt']"


def test_missing_bubblewrap_says_how_to_install_it(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(REPO / "notebooks/hw3-2022/solution.ipynb"),
         "--rubric", "hw3-2022"],
        env={**os.environ, "PATH": str(tmp_path)}, capture_output=True, text=True)
    assert proc.returncode == 3
    assert "apt-get install -y bubblewrap" in proc.stderr


def test_the_report_counts_the_cpu_time_spent_in_the_sandbox(bwrap):
    burn = ("import time\nt = time.process_time()\n"
            "while time.process_time() - t < 0.6:\n    pass")
    busy = run_cells(bwrap, burn).sandbox.cpu_s
    idle = run_cells(bwrap, "import time\ntime.sleep(0.6)").sandbox.cpu_s
    assert busy is not None and idle is not None  # cgroup accounting on this machine
    assert busy >= 0.6 and busy - idle >= 0.5  # the kernel's own start-up is in both
