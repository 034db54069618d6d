"""Sandbox backends: `get_backend(name, settings)` returns one with `run(request)`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.sandbox.base import (
    Backend,
    CellOutcome,
    CellRecord,
    ExecutionRequest,
    ExecutionResult,
    ProbeCell,
    SandboxInfo,
)

if TYPE_CHECKING:
    from grader.config import Settings

BACKENDS = ("bwrap", "process")


def get_backend(name: str, settings: Settings, *, pool: bool = True) -> Backend:
    """`pool=False` for a process that grades one notebook: a warm kernel would be wasted."""
    if name == "bwrap":
        from grader.sandbox.bwrap import BwrapBackend

        return BwrapBackend(runs_dir=settings.runs_dir, sandbox_uid=settings.sandbox_uid,
                            kernel_python=settings.kernel_python,
                            pool_size=settings.pool_size if pool else 0,
                            pool_envs=settings.pool_envs)
    if name == "process":
        from grader.sandbox.process import ProcessBackend

        return ProcessBackend(kernel_python=settings.kernel_python)
    raise ValueError(f"unknown sandbox backend {name!r}; choose one of {', '.join(BACKENDS)}")


__all__ = ["Backend", "BACKENDS", "CellOutcome", "CellRecord", "ExecutionRequest",
           "ExecutionResult", "ProbeCell", "SandboxInfo", "get_backend"]
