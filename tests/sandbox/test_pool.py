"""Warm kernels: started before their submission, each used once, isolated like a cold one."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from grader.rubric.models import Limits
from grader.sandbox.base import ExecutionRequest
from grader.sandbox.bwrap import BwrapBackend, KernelEnv
from tests.factories import CAUSAL, assert_artifact_is_read_only, grade, make_notebook, stdout

pytestmark = pytest.mark.sandbox
LIMITS = Limits(cell_timeout=10, total_timeout=60, memory="256MiB", pids=64)


@pytest.fixture
def pooled(settings):
    backend = BwrapBackend(runs_dir=settings.runs_dir, pool_size=1)
    yield backend
    backend.close()


def run_warm(backend: BwrapBackend, *sources: str, preload: tuple[str, ...] = (),
             **kw: object):
    """Fill the pool for this environment first, so the run takes a warm kernel."""
    request = ExecutionRequest(notebook=make_notebook(*sources), probe_cells=[], limits=LIMITS,
                               preload=list(preload), **kw)
    assert backend.pool.wait_ready(KernelEnv.of(request), timeout=60)
    result = backend.run(request)
    assert result.sandbox.pooled
    return result


def test_a_pooled_kernel_is_never_used_for_a_second_submission(pooled):
    first = run_warm(pooled, "leftover = 42\nopen('/tmp/mark', 'w').write('x')\n"
                             "open('notes.txt', 'w').write('mine')\nprint('left', leftover)")
    assert stdout(first, 0).strip() == "left 42"
    second = run_warm(pooled, "import os\nprint('leftover' in globals(), "
                              "os.path.exists('/tmp/mark'), os.path.exists('notes.txt'), "
                              "sorted(os.listdir('.')))")
    assert stdout(second, 0).strip() == "False False False ['submission.ipynb']"
    assert pooled.pool.taken == 2


def test_a_pooled_kernel_has_no_network_and_keeps_the_limits(pooled):
    result = run_warm(pooled,
                      "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), 2)\n"
                      "    print('connected')\nexcept OSError as e:\n    print('no network')",
                      "x = bytearray(600 * 2**20)")
    assert stdout(result, 0).strip() == "no network"
    assert result.cells[1].outcome == "killed"  # over the 256 MiB memory cgroup
    assert result.sandbox.oom_kills >= 1
    forks = run_warm(pooled, "import os\nn = 0\ntry:\n    for _ in range(200):\n"
                             "        if os.fork() == 0:\n            import time; time.sleep(30)\n"
                             "        n += 1\nexcept OSError:\n    print('refused after', n)")
    refused = stdout(forks, 0).split()
    assert refused[:2] == ["refused", "after"] and int(refused[2]) < 64


def test_the_submission_files_reach_a_kernel_started_before_them(pooled, tmp_path):
    assert_artifact_is_read_only(functools.partial(run_warm, pooled), tmp_path)


def test_the_preload_is_done_before_the_submission_and_cuda_is_untouched(pooled):
    # A CPU build of torch here: `is_initialized` is False either way; what this shows is that
    # the pool ran nothing beyond the preload import (it never calls into a kernel).
    result = run_warm(pooled, "import sys\nprint('torch' in sys.modules)\n"
                              "print(sys.modules['torch'].cuda.is_initialized())",
                      preload=("torch",))
    assert stdout(result, 0).split() == ["True", "False"]


def test_the_pool_refills_behind_each_take_and_the_first_submission_starts_cold(
        pooled, hostile_rubric):
    report = grade(make_notebook(CAUSAL), hostile_rubric, pooled)
    assert report.score == 10 and not report.sandbox.pooled  # nothing was warm yet
    env = KernelEnv(limits=hostile_rubric.rubric.limits,
                    preload=tuple(hostile_rubric.rubric.kernel_preload))
    assert pooled.pool.wait_ready(env, timeout=60)  # refilled in the background
    report = grade(make_notebook(CAUSAL), hostile_rubric, pooled)
    assert report.score == 10 and report.sandbox.pooled
    assert pooled.pool.wait_ready(env, timeout=60)
    assert pooled.pool.idle() == 1


def test_closing_the_backend_leaves_no_kernel_behind(settings):
    backend = BwrapBackend(runs_dir=settings.runs_dir, pool_size=2)
    env = KernelEnv(limits=LIMITS)
    assert backend.pool.wait_ready(env, timeout=60)
    runs = [s.run for ready in backend.pool._ready.values() for s in ready]
    pids = [s.km.provisioner.process.pid for ready in backend.pool._ready.values()
            for s in ready]
    backend.close()
    assert not any(Path(f"/proc/{pid}").exists() and _state(pid) != "Z" for pid in pids)
    assert not any(run.path.exists() for run in runs)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return "gone"


def test_grader_grade_never_keeps_a_warm_kernel(settings):
    from grader.sandbox import get_backend

    configured = settings.model_copy(update={"pool_size": 3})
    assert get_backend("bwrap", configured, pool=False).pool is None
    assert get_backend("bwrap", configured).pool.size == 3
