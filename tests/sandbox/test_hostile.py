"""Hostile notebooks in the real sandbox: each ends as a graded report with a clear message, the
grader survives, and the notebook's other answers are still graded where the kernel lives on.

Every notebook here defines a correct `count_dot_products_causal` after the hostile cell (the
rubric's only question), under tight limits (tests/data/rubrics/hostile.yaml).
"""

from __future__ import annotations

import os

import pytest

from tests.factories import CAUSAL, grade, make_notebook

pytestmark = pytest.mark.sandbox


def hostile(*cells: str):
    return make_notebook(*cells, CAUSAL)


def test_infinite_loop_is_interrupted_and_the_next_cells_run(hostile_rubric, bwrap):
    report = grade(hostile("while True:\n    pass"), hostile_rubric, bwrap)
    assert report.status == "error"
    assert [i.kind for i in report.issues] == ["cell_timeout"]
    assert report.issues[0].message == ("Cell 1 ran longer than the 3 s limit per cell and was "
                                        "interrupted.")
    assert report.score == 10


def test_loop_that_ignores_interrupts_gets_the_kernel_stopped(hostile_rubric, bwrap):
    stubborn = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    report = grade(hostile(stubborn), hostile_rubric, bwrap)
    assert report.issues[0].kind == "cell_timeout"
    assert "did not respond to an interrupt and was stopped" in report.issues[0].message
    q = report.questions[0]
    assert q.status == "error" and q.score == 0
    assert "the kernel was stopped after cell 1 timed out" in q.feedback[0]


def test_memory_bomb_is_stopped_by_the_memory_limit(hostile_rubric, bwrap):
    bomb = "chunks = []\nwhile True:\n    chunks.append(bytearray(32 * 2**20))"
    report = grade(hostile(bomb), hostile_rubric, bwrap)
    assert report.status == "error"
    issue = report.issues[0]
    assert issue.kind == "memory_limit" and issue.cell == 1
    assert "used more than the 0.2 GiB memory limit" in issue.message
    assert report.questions[0].status == "error"
    assert "could not be checked" in report.questions[0].feedback[0]


def test_fork_bomb_is_stopped_by_the_process_limit(hostile_rubric, bwrap):
    bomb = "import os\nwhile True:\n    os.fork()"
    report = grade(hostile(bomb), hostile_rubric, bwrap)
    assert report.status == "error"
    kinds = {i.kind for i in report.issues}
    assert "process_limit" in kinds
    assert any("more than 64 processes or threads" in i.message for i in report.issues)


def test_output_flood_is_capped_and_the_notebook_goes_on(hostile_rubric, bwrap):
    flood = "for _ in range(100 * 1024):\n    print('x' * 1023)"  # 100 MB
    report = grade(hostile(flood), hostile_rubric, bwrap)
    assert [i.kind for i in report.issues] == ["output_limit"]
    assert report.issues[0].message == ("Cell 1 printed more than 64 KiB of output; the rest was "
                                        "dropped (a cell that kept printing was interrupted).")
    assert report.score == 10


def test_an_endless_flood_is_capped_and_interrupted_and_does_not_fill_the_memory(
        hostile_rubric, bwrap):
    # IPython keeps what every cell prints in memory: unguarded, this filled the 256 MiB
    # sandbox in 2 s (OOM) or left the kernel deaf to the interrupt
    report = grade(hostile("while True:\n    print('x' * 1023)"), hostile_rubric, bwrap)
    assert [i.kind for i in report.issues] == ["output_limit"]
    assert report.score == 10  # the kernel was interrupted, answered, and the checks ran
    assert report.sandbox.memory_peak_bytes < 128 * 2**20


def test_writing_10_gb_stops_at_the_disk_limit(hostile_rubric, bwrap):
    fill = ("block = b'0' * 2**20\nwith open('big', 'wb') as f:\n"
            "    for _ in range(10 * 1024):\n        f.write(block)")
    report = grade(hostile(fill), hostile_rubric, bwrap)
    issue = report.issues[0]
    assert issue.kind == "cell_error"
    assert "No space left on device" in issue.message or "File too large" in issue.message
    assert issue.message.endswith("(the working directory is limited to 32 MiB)")
    assert report.score == 10


def test_killing_the_parent_cannot_reach_the_grader(hostile_rubric, bwrap):
    kill = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(1, signal.SIGKILL)"
    report = grade(hostile(kill), hostile_rubric, bwrap)
    # the parent is the sandbox's own init: the signal is ignored, and nothing else is visible
    assert report.score == 10
    assert os.getpid() > 0  # still here
    again = grade(make_notebook(CAUSAL), hostile_rubric, bwrap)
    assert again.score == 10


def test_killing_its_own_kernel_is_reported(hostile_rubric, bwrap):
    report = grade(hostile("import os\nos.kill(os.getpid(), 9)"), hostile_rubric, bwrap)
    assert report.issues[0].kind == "kernel_died"
    assert report.issues[0].message.startswith("The kernel was stopped while running cell 1")
    assert report.questions[0].status == "error"


def test_exiting_the_interpreter_is_reported(hostile_rubric, bwrap):
    report = grade(hostile("import os\nos._exit(3)"), hostile_rubric, bwrap)
    assert report.issues[0].kind == "kernel_died"


def test_total_time_limit_stops_a_notebook_of_slow_cells(hostile_rubric, bwrap):
    import dataclasses

    from grader.rubric.models import Limits

    tight = dataclasses.replace(hostile_rubric, rubric=hostile_rubric.rubric.model_copy(
        update={"limits": Limits(cell_timeout=3, total_timeout=4, probe_timeout=2)}))
    slow = "import time\ntime.sleep(2.5)"
    report = grade(make_notebook(slow, slow, CAUSAL), tight, bwrap)
    assert [i.kind for i in report.issues] == ["total_timeout"]
    assert report.issues[0].message == ("The notebook ran longer than its 4 s limit in total: it "
                                        "was stopped in cell 2, and nothing after that ran.")
    assert report.questions[0].status == "error"
    assert "total time limit reached" in report.questions[0].feedback[0]
