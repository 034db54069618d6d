"""What a sandbox backend is given and what it gives back.

A backend runs the student's cells, then the probe cells, in one kernel it starts and destroys,
and reports per cell what happened. It never decides a score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import nbformat
from nbformat import NotebookNode

from grader.rubric.models import Limits


class CellOutcome(StrEnum):
    ok = "ok"
    error = "error"                  # the cell raised; the next cell runs
    timeout = "timeout"              # over the per-cell limit; interrupted
    output_capped = "output_capped"  # printed more than the cap; interrupted
    killed = "killed"                # the kernel died in this cell
    not_run = "not_run"              # the kernel was gone, or the total time was up
    skipped = "skipped"              # markdown, empty, or a tag the rubric skips


TOTAL_TIME_UP = "total time limit reached"


@dataclass
class CellRecord:
    index: int
    outcome: CellOutcome
    duration_s: float = 0.0
    error_name: str | None = None
    error_value: str | None = None
    note: str | None = None          # why it did not run, or why the kernel died


@dataclass(frozen=True)
class ProbeCell:
    source: str
    calls: int = 1  # calls of student code it makes: its time limit is calls x probe_timeout


@dataclass(frozen=True)
class ExecutionRequest:
    notebook: NotebookNode
    probe_cells: list[ProbeCell]
    limits: Limits
    assets: dict[str, Path] = field(default_factory=dict)  # name in the work dir -> host file
    data_dir: Path | None = None                           # bound read-only, $GRADER_DATA
    preload: list[str] = field(default_factory=list)       # modules imported at kernel start
    skip_tags: frozenset[str] = frozenset()
    gpu: int | None = None                                 # the one GPU bound in, if any

    def all_assets(self) -> dict[str, Path | bytes]:
        """The artifacts plus the notebook itself, as `submission.ipynb`."""
        return {"submission.ipynb": nbformat.writes(self.notebook).encode(), **self.assets}


@dataclass
class SandboxInfo:
    backend: str
    limits_enforced_by: str          # "cgroup v1", "cgroup v2" or "rlimit (no cgroup)"
    warnings: list[str] = field(default_factory=list)
    oom_kills: int = 0
    pids_refused: int = 0
    memory_peak_bytes: int | None = None
    gpu: int | None = None           # the device the kernel could use (/dev/nvidiaN)
    pooled: bool = False             # the kernel was started before the submission arrived
    cpu_s: float | None = None       # CPU time used in the sandbox (cgroup accounting)


@dataclass
class ExecutionResult:
    executed: NotebookNode            # the student's cells with their outputs, no probe cells
    cells: list[CellRecord]           # one per student cell
    probes: list[CellRecord]          # one per probe cell
    probe_payloads: list[list[str]]   # per probe cell: raw probe messages, still untrusted text
    sandbox: SandboxInfo
    duration_s: float


class Backend(Protocol):
    name: str

    def run(self, request: ExecutionRequest) -> ExecutionResult: ...
