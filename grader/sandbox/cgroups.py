"""Memory, process and CPU limits for one sandbox, enforced from outside it.

cgroup v1 (separate memory/pids/cpu hierarchies) and v2 (one unified tree) are detected; where
neither can be written (not root, no delegation) the limits fall back to rlimits, which are
weaker (no process count for a root-launched sandbox, address space instead of memory), and
every report says so. The sandbox joins its cgroups *before* bwrap is exec'd: moving a pid later
would leave the processes bwrap already forked outside (sandbox-lab.md §2.1).

Groups are named `<owner pid>-<random>` under `grader/`, so a start-up sweep removes only
groups whose owner is dead: two graders on one machine never sweep each other.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.rubric.models import Limits

CGROUP_ROOT = Path("/sys/fs/cgroup")
GROUP = "grader"
_V1_CONTROLLERS = ("memory", "pids", "cpu", "cpuacct")  # cpuacct: accounting only


@dataclass
class LimitPlan:
    """How one run is limited: cgroup.procs files to join, and rlimits for `prlimit`."""

    enforced_by: str
    procs_files: list[Path] = field(default_factory=list)
    prlimit_args: list[str] = field(default_factory=list)
    dirs: list[Path] = field(default_factory=list)


@dataclass
class LimitStats:
    oom_kills: int = 0
    pids_refused: int = 0
    memory_peak_bytes: int | None = None
    cpu_s: float | None = None  # CPU time of everything that ran in the sandbox


def backstop_rlimits(limits: Limits) -> list[str]:
    """Limits kept even with cgroups: one file's size, and CPU seconds in total."""
    cpu_s = int(limits.total_timeout_s * max(1.0, limits.cpus)) + 60
    return [f"--fsize={limits.disk_bytes}", f"--cpu={cpu_s}"]


def cgroup_version(root: Path = CGROUP_ROOT) -> int | None:
    """2 if a writable unified tree with memory and pids, 1 if writable v1 ones, else None."""
    controllers = root / "cgroup.controllers"
    if controllers.exists():
        wanted = {"memory", "pids"}
        if wanted <= set(controllers.read_text().split()) and os.access(root, os.W_OK):
            return 2
        return None
    if all(os.access(root / c, os.W_OK) for c in ("memory", "pids")):
        return 1
    return None


def plan_limits(run_id: str, limits: Limits, *, root: Path = CGROUP_ROOT) -> LimitPlan:
    version = cgroup_version(root)
    try:
        if version == 1:
            return _plan_v1(run_id, limits, root)
        if version == 2:
            return _plan_v2(run_id, limits, root)
    except OSError as exc:
        reason = f"cgroup v{version} not writable ({exc})"
    else:
        reason = "no writable cgroup v1 or v2 hierarchy"
    # Without cgroups: RLIMIT_AS stands in for memory (never on GPU: CUDA reserves huge address
    # ranges), RLIMIT_NPROC for processes (only binding on a non-root host uid).
    # Address space runs well ahead of memory in use (thread stacks, malloc arenas, the
    # libraries mapped): give it 1 GiB of headroom or the kernel cannot even start.
    return LimitPlan(
        enforced_by=f"rlimit (no cgroup: {reason})",
        prlimit_args=[f"--as={limits.memory_bytes + 2**30}", f"--nproc={limits.pids}",
                      *backstop_rlimits(limits)])


def _plan_v1(run_id: str, limits: Limits, root: Path) -> LimitPlan:
    plan = LimitPlan(enforced_by="cgroup v1", prlimit_args=backstop_rlimits(limits))
    values = {
        "memory": {"memory.limit_in_bytes": limits.memory_bytes},
        "pids": {"pids.max": limits.pids},
        # A quarter of the default weight: under contention the API and the worker (outside
        # these groups, where their niceness does not reach) come first; idle CPU is still used.
        "cpu": {"cpu.cfs_period_us": 100000, "cpu.cfs_quota_us": int(limits.cpus * 100000),
                "cpu.shares": 256},
        "cpuacct": {},
    }
    for controller in _V1_CONTROLLERS:
        if not (root / controller).is_dir():
            continue
        group = root / controller / GROUP / run_id
        if any(os.path.samefile(root / controller, d.parent.parent) for d in plan.dirs):
            continue  # co-mounted (cpu,cpuacct): the same group already
        group.mkdir(parents=True, exist_ok=True)
        if controller == "cpu":  # the parent's weight is what competes with the API
            _try_write(root / controller / GROUP / "cpu.shares", 256)
        plan.dirs.append(group)
        for name, value in values[controller].items():
            (group / name).write_text(str(value))
        if controller == "memory":
            # memory+swap as well, where swap accounting exists
            _try_write(group / "memory.memsw.limit_in_bytes", limits.memory_bytes)
        plan.procs_files.append(group / "cgroup.procs")
    return plan


def _plan_v2(run_id: str, limits: Limits, root: Path) -> LimitPlan:
    parent = root / GROUP
    parent.mkdir(exist_ok=True)
    _try_write(root / "cgroup.subtree_control", "+memory +pids +cpu")
    _try_write(parent / "cgroup.subtree_control", "+memory +pids +cpu")
    _try_write(parent / "cpu.weight", 25)
    group = parent / run_id
    group.mkdir(exist_ok=True)
    (group / "memory.max").write_text(str(limits.memory_bytes))
    _try_write(group / "memory.swap.max", 0)
    (group / "pids.max").write_text(str(limits.pids))
    _try_write(group / "cpu.max", f"{int(limits.cpus * 100000)} 100000")
    _try_write(group / "cpu.weight", 25)
    return LimitPlan(enforced_by="cgroup v2", procs_files=[group / "cgroup.procs"],
                     prlimit_args=backstop_rlimits(limits), dirs=[group])


def read_stats(plan: LimitPlan) -> LimitStats:
    stats = LimitStats()
    for group in plan.dirs:
        if (group / "memory.oom_control").exists():  # v1
            stats.oom_kills = _keyed(group / "memory.oom_control").get("oom_kill", 0)
            stats.memory_peak_bytes = _int(group / "memory.max_usage_in_bytes")
        if (group / "memory.events").exists():  # v2
            stats.oom_kills = _keyed(group / "memory.events").get("oom_kill", 0)
            stats.memory_peak_bytes = _int(group / "memory.peak")
        if (group / "pids.events").exists():
            stats.pids_refused = _keyed(group / "pids.events").get("max", 0)
        if (group / "cpuacct.usage").exists():  # v1, nanoseconds
            stats.cpu_s = (_int(group / "cpuacct.usage") or 0) / 1e9
        elif (group / "cpu.stat").exists():
            usage = _keyed(group / "cpu.stat").get("usage_usec")  # v2; v1's cpu.stat has none
            if usage is not None:
                stats.cpu_s = usage / 1e6
    return stats


def destroy(plan: LimitPlan) -> None:
    for group in plan.dirs:
        remove_group(group)


def remove_group(group: Path) -> None:
    """Kill whatever is left in the group (nothing, normally), then remove it."""
    if not group.is_dir():
        return
    for _ in range(50):
        pids = [int(p) for p in _read(group / "cgroup.procs").split()]
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.02)
    try:
        group.rmdir()
    except OSError:
        pass  # still busy: the next sweep removes it


def sweep_leftovers(root: Path = CGROUP_ROOT) -> int:
    """Remove groups left by graders that died (their owner pid is gone); return how many."""
    removed = 0
    parents = [root / c / GROUP for c in _V1_CONTROLLERS] + [root / GROUP]
    for parent in parents:
        if not parent.is_dir():
            continue
        for group in parent.iterdir():
            if group.is_dir() and not owner_alive(group.name):
                remove_group(group)
                removed += 1
    return removed


def owner_alive(run_id: str) -> bool:
    owner = run_id.split("-", 1)[0]
    if not owner.isdigit():
        return False
    try:
        os.kill(int(owner), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _keyed(path: Path) -> dict[str, int]:
    out = {}
    for line in _read(path).splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            out[parts[0]] = int(parts[1])
    return out


def _int(path: Path) -> int | None:
    text = _read(path).strip()
    return int(text) if text.isdigit() else None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _try_write(path: Path, value: object) -> None:
    try:
        path.write_text(str(value))
    except OSError:
        pass
