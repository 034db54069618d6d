"""DEVELOPMENT ONLY: the kernel runs as a plain local process, with no isolation at all.

The student's code can read every file this user can, reach the network, and signal the grader.
Only the time and output limits apply. Every run logs a warning and the report says so.
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
from pathlib import Path

from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec

from grader.sandbox.base import ExecutionRequest, ExecutionResult, SandboxInfo
from grader.sandbox.bwrap import kernel_argv
from grader.sandbox.client import run_request

log = logging.getLogger(__name__)
WARNING = ("the 'process' sandbox backend gives NO isolation (development only): the notebook "
           "can read your files, use the network and kill the grader")


class UnsandboxedKernelManager(AsyncKernelManager):
    def __init__(self, *, argv: list[str], cwd: str, **kw: object) -> None:
        super().__init__(transport="ipc", **kw)
        self._cwd = cwd
        self.connection_file = str(Path(cwd, ".kernel.json"))
        self.ip = str(Path(cwd, ".k"))
        self._kernel_spec = KernelSpec(argv=argv, display_name="unsandboxed python",
                                       language="python", interrupt_mode="message",
                                       metadata={"debugger": False})

    async def _async_pre_start_kernel(self, **kw: object):  # type: ignore[override]
        kw.setdefault("cwd", self._cwd)
        return await super()._async_pre_start_kernel(**kw)


class ProcessBackend:
    name = "process"

    def __init__(self, *, kernel_python: str | None = None) -> None:
        self.python = kernel_python or sys.executable

    def run(self, request: ExecutionRequest) -> ExecutionResult:
        log.warning(WARNING)
        work = Path(tempfile.mkdtemp(prefix="grader-unsandboxed-"))
        try:
            for name, src in request.all_assets().items():
                if isinstance(src, bytes):
                    (work / name).write_bytes(src)
                else:
                    shutil.copyfile(src, work / name)
            info = SandboxInfo(backend=self.name, limits_enforced_by="none",
                               warnings=[WARNING])

            def km_factory() -> UnsandboxedKernelManager:
                return UnsandboxedKernelManager(
                    argv=kernel_argv(self.python, request.preload), cwd=str(work))

            return run_request(request, km_factory, info, lambda: "the kernel process died")
        finally:
            shutil.rmtree(work, ignore_errors=True)
