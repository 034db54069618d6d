"""Drive one kernel through the student's cells and then the probe cells.

nbclient stays on the host: it, not the student, decides cell order, time and output. What we
add at its seams: a kernel manager chosen by the backend, an output cap in `output()`, probe
messages collected by MIME type, per-cell and total deadlines, and recovery after a timeout.
"""

from __future__ import annotations

import asyncio
import atexit
import copy
import subprocess
import threading
import time
from collections.abc import Callable
from queue import Empty
from typing import Any

import nbformat
from jupyter_client import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

from grader.errors import SandboxStartError
from grader.sandbox.base import (
    TOTAL_TIME_UP,
    CellOutcome,
    CellRecord,
    ExecutionRequest,
    ExecutionResult,
    SandboxInfo,
)

PROBE_MIME = "application/vnd.grader.probe+json"
STARTUP_TIMEOUT_S = 60
_RECOVERY_TIMEOUT_S = 3
_FLOOD_GRACE_S = 5.0
_PRELUDE_TIMEOUT_S = 30


class StderrTail:
    """Drain a pipe in a thread, keeping only its first `limit` bytes (a flood costs nothing)."""

    def __init__(self, pipe: Any, limit: int = 16384) -> None:
        self.data = bytearray()
        self._limit = limit
        self._thread = threading.Thread(target=self._drain, args=(pipe,), daemon=True)
        self._thread.start()

    def _drain(self, pipe: Any) -> None:
        with pipe:
            while chunk := pipe.read(65536):
                if len(self.data) < self._limit:
                    self.data += chunk[: self._limit - len(self.data)]

    def text(self, wait_s: float = 0.5) -> str:
        self._thread.join(wait_s)
        return self.data.decode(errors="replace").strip()


class SandboxedNotebookClient(NotebookClient):
    """NotebookClient with a given kernel manager factory, output caps and probe collection."""

    def __init__(self, nb: NotebookNode, *, km_factory: Callable[[], AsyncKernelManager],
                 output_caps: dict[int, int], first_probe_index: int, **kw: Any) -> None:
        self._km_factory = km_factory
        self._output_caps = output_caps
        self._out_bytes: dict[int, int] = {}
        self.capped_cells: set[int] = set()
        self.flood_timer: asyncio.TimerHandle | None = None
        self.first_probe_index = first_probe_index
        self.probe_payloads: dict[int, list[str]] = {}
        self.stderr_tail: StderrTail | None = None
        super().__init__(nb, **kw)

    def create_kernel_manager(self) -> AsyncKernelManager:
        self.km = self._km_factory()
        return self.km

    async def async_start_new_kernel(self, **kwargs: Any) -> None:
        kwargs.update(KERNEL_STREAMS)
        await super().async_start_new_kernel(**kwargs)
        self.stderr_tail = _tail_stderr(self.km)

    async def async_start_new_kernel_client(self) -> Any:
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            await wait_until_ready(self.kc, self.km, self.startup_timeout)
        except RuntimeError:
            await self._async_cleanup_kernel()
            raise
        self.kc.allow_stdin = False
        return self.kc

    def output(self, outs: list[NotebookNode], msg: dict[str, Any], display_id: str | None,
               cell_index: int) -> NotebookNode | None:
        content = msg.get("content", {})
        if cell_index >= self.first_probe_index and msg["msg_type"] == "display_data":
            payload = content.get("data", {}).get(PROBE_MIME)
            if isinstance(payload, str):
                self._count(cell_index, len(payload))
                if cell_index not in self.capped_cells:
                    self.probe_payloads.setdefault(cell_index, []).append(payload)
                return None
        size = len(content.get("text", "")) if msg["msg_type"] == "stream" else len(str(content))
        left = self._output_caps[cell_index] - self._out_bytes.get(cell_index, 0)
        self._count(cell_index, size)
        if size <= left:
            return super().output(outs, msg, display_id, cell_index)
        if left > 0 and msg["msg_type"] == "stream":
            content["text"] = content["text"][:left]
            super().output(outs, msg, display_id, cell_index)
        return None

    def _count(self, cell_index: int, size: int) -> None:
        used = self._out_bytes.get(cell_index, 0) + size
        self._out_bytes[cell_index] = used
        if used > self._output_caps[cell_index] and cell_index not in self.capped_cells:
            self.capped_cells.add(cell_index)
            cap = self._output_caps[cell_index]
            cell = self.nb.cells[cell_index]
            cell.setdefault("outputs", []).append(nbformat.v4.new_output(
                "stream", name="stderr",
                text=f"\n[autograder: output over {cap} bytes; the rest was dropped]\n"))
            # A cell that keeps printing is interrupted, after a grace period: an interrupt that
            # lands inside ipykernel's output code can wedge the kernel (measured: 1 in 10
            # floods of 100 MB interrupted at the cap never answered again), and most floods
            # end on their own within it (that one in 1.7 s, every one of the output dropped).
            loop = asyncio.get_running_loop()
            self.flood_timer = loop.call_later(
                _FLOOD_GRACE_S, lambda: asyncio.ensure_future(self.km.interrupt_kernel()))


# The kernel's stdout is dropped and its stderr kept only in part: a notebook that writes to
# fd 1/2 directly must not flood the worker's log.
KERNEL_STREAMS = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE}


def _tail_stderr(km: AsyncKernelManager) -> StderrTail | None:
    process = getattr(km.provisioner, "process", None)
    if process is None or process.stderr is None:
        return None
    # unbuffered: read() returns what is there instead of waiting for 64 KiB
    raw, process.stderr = process.stderr.detach(), None
    return StderrTail(raw)


async def wait_until_ready(kc: Any, km: AsyncKernelManager, timeout: float) -> None:
    """jupyter_client's wait_for_ready without its fixed cost: it confirms IOPub by waiting up
    to 0.2 s for a message after the kernel_info reply, and a SUB socket that is not yet
    subscribed makes it wait that long and ask again (0.21 s per submission, measured). The
    kernel greets each new IOPub subscriber (`iopub_welcome`); once that, or any IOPub message,
    has arrived, nothing the cells print can be missed."""
    deadline = time.monotonic() + timeout
    iopub_seen = False
    while time.monotonic() < deadline:
        msg_id = kc.kernel_info()
        replied = False
        step_end = min(deadline, time.monotonic() + 0.25)  # then ask again
        while time.monotonic() < step_end and not (replied and iopub_seen):
            if not replied:
                try:
                    msg = await kc.shell_channel.get_msg(timeout=0.02)
                except Empty:
                    pass
                else:
                    replied = msg["parent_header"].get("msg_id") == msg_id
            if not iopub_seen:
                try:
                    await kc.iopub_channel.get_msg(timeout=0.02)
                except Empty:
                    pass
                else:
                    iopub_seen = True
        if replied and iopub_seen:
            return
        if not await km.is_alive():
            raise RuntimeError("Kernel died before replying to kernel_info")
    raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")


async def start_kernel(km: AsyncKernelManager, timeout: float) -> StderrTail | None:
    """Start `km`'s kernel and wait until it answers (its preload imports are done by then).
    Used for pooled kernels; nbclient later connects its own client in another event loop."""
    await km.start_kernel(**KERNEL_STREAMS)
    tail = _tail_stderr(km)
    kc = km.client()
    kc.start_channels()
    try:
        await wait_until_ready(kc, km, timeout)
    except RuntimeError as exc:
        stderr = tail.text() if tail else ""
        raise SandboxStartError(f"the kernel could not be started in the sandbox: {exc}"
                                + (f"; the sandbox said: {stderr[-2000:]}" if stderr else ""),
                                ) from None
    finally:
        kc.stop_channels()
    return tail


def build_working_notebook(request: ExecutionRequest) -> NotebookNode:
    """The student's cells followed by the probe cells, as one notebook for nbclient."""
    nb = copy.deepcopy(request.notebook)
    for probe in request.probe_cells:
        nb.cells.append(nbformat.v4.new_code_cell(probe.source,
                                                  metadata={"grader_calls": probe.calls}))
    return nb


async def execute(client: SandboxedNotebookClient, request: ExecutionRequest,
                  *, diagnose_death: Callable[[], str], prelude: str | None = None,
                  ) -> list[CellRecord]:
    """Run every cell under the limits; return one record per cell (student then probe)."""
    limits = request.limits
    deadline = time.monotonic() + limits.total_timeout_s
    records: list[CellRecord] = []
    gone: str | None = None  # why the kernel is no longer usable
    try:
        async with client.async_setup_kernel():
            if prelude:
                await _run_silently(client, prelude)
            for index, cell in enumerate(client.nb.cells):
                if gone is not None:
                    records.append(CellRecord(index, CellOutcome.not_run, note=gone))
                    continue
                record, gone = await _run_cell(client, request, index, cell, deadline,
                                               diagnose_death)
                records.append(record)
    except (DeadKernelError, RuntimeError, TimeoutError) as exc:
        if records:
            raise
        # nbclient registered an atexit cleanup for a kernel that never came up
        atexit.unregister(client._cleanup_kernel)
        raise SandboxStartError(_start_failure(client, str(exc))) from None
    return records


async def _run_cell(client: SandboxedNotebookClient, request: ExecutionRequest, index: int,
                    cell: NotebookNode, deadline: float,
                    diagnose_death: Callable[[], str]) -> tuple[CellRecord, str | None]:
    limits = request.limits
    tags = set(cell.get("metadata", {}).get("tags", []))
    if cell.cell_type != "code" or not cell.source.strip() or tags & request.skip_tags:
        return CellRecord(index, CellOutcome.skipped), None
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return (CellRecord(index, CellOutcome.not_run, note=TOTAL_TIME_UP),
                TOTAL_TIME_UP)
    is_probe = index >= client.first_probe_index
    per_cell = limits.cell_timeout_s if not is_probe else _probe_cell_timeout(limits, cell)
    client.timeout = max(1, int(min(per_cell, remaining) + 0.999))
    replies: list[dict[str, Any]] = []
    client.on_cell_executed = lambda **kw: replies.append(kw["execute_reply"] or {})
    started = time.monotonic()
    try:
        await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
    except CellTimeoutError:
        _cancel_flood_timer(client)
        record = CellRecord(index, CellOutcome.timeout, time.monotonic() - started)
        if time.monotonic() >= deadline - 0.5:
            record.note = TOTAL_TIME_UP
            return record, TOTAL_TIME_UP
        if not await _recover(client):
            record.note = "the kernel did not respond to an interrupt and was stopped"
            return record, f"the kernel was stopped after cell {index + 1} timed out"
        if index in client.capped_cells:
            # it was flooding: the cap's interrupt was still draining output when time ran out
            record.outcome = CellOutcome.output_capped
        return record, None
    except DeadKernelError:
        reason = diagnose_death()
        return (CellRecord(index, CellOutcome.killed, time.monotonic() - started, note=reason),
                reason)
    finally:
        _cancel_flood_timer(client)
    duration = time.monotonic() - started
    if index in client.capped_cells:
        return CellRecord(index, CellOutcome.output_capped, duration), None
    reply = replies[-1].get("content", {}) if replies else {}
    if reply.get("status") == "error":
        return CellRecord(index, CellOutcome.error, duration, error_name=reply.get("ename"),
                          error_value=str(reply.get("evalue", ""))[:500]), None
    return CellRecord(index, CellOutcome.ok, duration), None


def _cancel_flood_timer(client: SandboxedNotebookClient) -> None:
    if client.flood_timer is not None:
        client.flood_timer.cancel()
        client.flood_timer = None


async def _shell_reply(kc: Any, msg_id: str, timeout: float) -> dict[str, Any] | None:
    """The kernel's reply to request `msg_id` (other replies are skipped), or None in time."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            msg = await kc.shell_channel.get_msg(timeout=left)
        except Empty:
            return None
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg
    return None


async def _run_silently(client: SandboxedNotebookClient, code: str) -> None:
    """Grader code before the student's first cell: no output, no history, no execution count."""
    msg_id = client.kc.execute(code, silent=True, store_history=False)
    reply = await _shell_reply(client.kc, msg_id, _PRELUDE_TIMEOUT_S)
    if reply is None:
        raise SandboxStartError("the sandbox could not be prepared: the kernel did not answer")
    content = reply["content"]
    if content.get("status") != "ok":
        raise SandboxStartError("the sandbox could not be prepared: "
                                f"{content.get('ename')}: {content.get('evalue')}")


def _probe_cell_timeout(limits: Any, cell: NotebookNode) -> float:
    calls = int(cell.get("metadata", {}).get("grader_calls", 1))
    return limits.probe_timeout_s * max(1, calls) + 5


async def _recover(client: SandboxedNotebookClient) -> bool:
    """After a timeout: interrupt, then check the kernel answers a trivial request in time."""
    try:
        await client.km.interrupt_kernel()
        msg_id = client.kc.execute("pass", silent=True, store_history=False)
        if await _shell_reply(client.kc, msg_id, _RECOVERY_TIMEOUT_S) is not None:
            return True
    except RuntimeError:
        pass
    await client.km.shutdown_kernel(now=True)
    return False


def _start_failure(client: SandboxedNotebookClient, detail: str) -> str:
    stderr = client.stderr_tail.text() if client.stderr_tail else ""
    if stderr:
        detail += f"; the sandbox said: {stderr[-2000:]}"
    return f"the kernel could not be started in the sandbox: {detail}"


def run_request(request: ExecutionRequest, km_factory: Callable[[], AsyncKernelManager],
                info: SandboxInfo, diagnose_death: Callable[[], str],
                stats: Callable[[], Any] | None = None, prelude: str | None = None,
                stderr_tail: StderrTail | None = None) -> ExecutionResult:
    """Run `request` in a kernel from `km_factory`; split the records into student and probe."""
    started = time.monotonic()
    nb = build_working_notebook(request)
    n_student = len(request.notebook.cells)
    caps = {i: request.limits.output_bytes if i < n_student else request.limits.probe_output_bytes
            for i in range(len(nb.cells))}
    client = SandboxedNotebookClient(
        nb, km_factory=km_factory, output_caps=caps, first_probe_index=n_student,
        allow_errors=True, interrupt_on_timeout=False, shutdown_kernel="immediate",
        startup_timeout=STARTUP_TIMEOUT_S, record_timing=False)
    client.stderr_tail = stderr_tail  # a pooled kernel's, started before this client
    records = asyncio.run(execute(client, request, diagnose_death=diagnose_death,
                                  prelude=prelude))
    if stats is not None:
        observed = stats()
        info.oom_kills, info.pids_refused = observed.oom_kills, observed.pids_refused
        info.memory_peak_bytes = observed.memory_peak_bytes
        info.cpu_s = None if observed.cpu_s is None else round(observed.cpu_s, 3)
    executed = copy.copy(nb)
    executed.cells = nb.cells[:n_student]
    return ExecutionResult(
        executed=executed, cells=records[:n_student], probes=records[n_student:],
        probe_payloads=[client.probe_payloads.get(i, []) for i in range(n_student, len(nb.cells))],
        sandbox=info, duration_s=time.monotonic() - started)
