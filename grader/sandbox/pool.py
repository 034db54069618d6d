"""Warm kernels: sandboxes started before their submission arrives, each used once.

A kernel that imports torch costs about 2 s of CPU before a student's first line runs. A worker
that keeps `size` sandboxes per kernel environment (limits, preload imports, data dir, GPU)
already started takes that off each submission's wall time. Each pooled sandbox is exactly the
sandbox a cold start builds (same bwrap arguments, its own cgroups, lifeline and run dir); it is
handed to one submission and destroyed after it, never returned. A background thread refills
the pool after each take. Environments are learnt from the submissions themselves: the first
submission of an environment starts cold, the next ones find a warm kernel. Only the
`max_envs` most recently used environments are kept; older ones' kernels are shut down.

The pool runs nothing in a kernel: it starts it and waits for its `kernel_info` reply. So it
never initialises CUDA; a GPU kernel is started with its one GPU already bound (the pool's key
includes the device), and its CUDA context is created by the student's code.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.sandbox.bwrap import KernelEnv, Sandbox

log = logging.getLogger(__name__)

RETRY_AFTER_FAILURE_S = 60.0


class KernelPool:
    def __init__(self, size: int, start: Callable[[KernelEnv], Sandbox], *,
                 max_envs: int = 2) -> None:
        self.size, self.max_envs = size, max_envs
        self._start = start
        self._ready: OrderedDict[KernelEnv, deque[Sandbox]] = OrderedDict()  # LRU order
        self._failed_at: dict[KernelEnv, float] = {}
        self._cond = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None
        self.started = self.taken = self.missed = 0  # counters, for the bench and the logs

    def take(self, env: KernelEnv) -> Sandbox | None:
        """A warm sandbox for `env`, now the caller's to use once and close; None if none is
        ready (the caller starts one cold). Either way the pool refills `env` behind it."""
        stale: list[Sandbox] = []
        found = None
        with self._cond:
            ready = self._ready.setdefault(env, deque())
            self._ready.move_to_end(env)
            while ready and found is None:
                candidate = ready.popleft()
                if candidate.alive():
                    found = candidate
                else:
                    stale.append(candidate)
            while len(self._ready) > self.max_envs:  # forget the least recently used
                _, old = self._ready.popitem(last=False)
                stale.extend(old)
            if found is None:
                self.missed += 1
            else:
                self.taken += 1
            self._ensure_thread()
            self._cond.notify_all()
        for sandbox in stale:
            sandbox.close()
        return found

    def wait_ready(self, env: KernelEnv, timeout: float) -> bool:
        """Start filling `env` if it is new, and wait until it holds `size` warm sandboxes."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._ready.setdefault(env, deque())
            self._ready.move_to_end(env)
            self._ensure_thread()
            self._cond.notify_all()
            while len(self._ready.get(env, ())) < self.size:
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    return False
                self._cond.wait(left)
            return True

    def idle(self) -> int:
        with self._cond:
            return sum(len(ready) for ready in self._ready.values())

    def close(self) -> None:
        with self._cond:
            self._closed = True
            sandboxes = [s for ready in self._ready.values() for s in ready]
            self._ready.clear()
            self._cond.notify_all()
        for sandbox in sandboxes:
            sandbox.close()
        if self._thread is not None:
            self._thread.join(timeout=120)

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._refill_forever, daemon=True,
                                            name="kernel-pool")
            self._thread.start()

    def _next_to_fill(self) -> KernelEnv | None:
        now = time.monotonic()
        for env in reversed(self._ready):  # most recently used first
            failed = self._failed_at.get(env)
            if failed is not None and now - failed < RETRY_AFTER_FAILURE_S:
                continue
            if len(self._ready[env]) < self.size:
                return env
        return None

    def _refill_forever(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (env := self._next_to_fill()) is None:
                    self._cond.wait(RETRY_AFTER_FAILURE_S)
                if self._closed:
                    return
            try:
                sandbox = self._start(env)
            except Exception as exc:  # noqa: BLE001 - a cold start will report it to the user
                log.warning("kernel pool: could not start a warm kernel: %s", exc)
                with self._cond:
                    self._failed_at[env] = time.monotonic()
                continue
            with self._cond:
                self._failed_at.pop(env, None)
                self.started += 1
                kept = not self._closed and env in self._ready
                if kept:
                    self._ready[env].append(sandbox)
                    self._cond.notify_all()
            if not kept:  # closed meanwhile, or its environment was forgotten
                sandbox.close()
