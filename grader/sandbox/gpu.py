"""GPUs in the sandbox: which NVIDIA device nodes and driver files a job gets.

Only the job's own GPU is visible: `/dev/nvidiaN` for the assigned N plus the control and UVM
nodes CUDA needs, bound with `--dev-bind` (bwrap's /dev is `nodev`, a plain bind would not open),
and `/sys` read-only (cuInit fails without it). Profiling and display nodes
(`nvidia-uvm-tools`, `nvidia-modeset`) and every other GPU stay out. Driver libraries in /usr
are already visible (the sandbox binds /usr); libraries elsewhere (e.g. /usr/local/nvidia in
NVIDIA's container images) are bound read-only. See research/sandbox-lab.md §3.
Untested on a GPU from this project so far: the bind list is unit-tested on a fake /dev.
"""

from __future__ import annotations

import re
from pathlib import Path

from grader.errors import InfrastructureError

REQUIRED_NODES = ("nvidiactl", "nvidia-uvm")
DRIVER_LIB_DIRS = ("/usr/local/nvidia/lib64", "/usr/local/nvidia/lib")
_GPU_NODE = re.compile(r"^nvidia(\d+)$")


class GpuUnavailable(InfrastructureError):
    """The rubric needs a GPU this worker does not have (or its device nodes are missing)."""


def detect_gpus(dev: Path = Path("/dev")) -> list[int]:
    """Indices N of the /dev/nvidiaN nodes, in order."""
    if not dev.is_dir():
        return []
    found = [int(m.group(1)) for p in dev.iterdir() if (m := _GPU_NODE.match(p.name))]
    return sorted(found)


def gpu_bind_args(index: int, *, dev: Path = Path("/dev"),
                  lib_dirs: tuple[str, ...] = DRIVER_LIB_DIRS) -> list[str]:
    """bwrap arguments that give the sandbox GPU `index` and nothing else; they go right after
    `--dev /dev`. Raises GpuUnavailable when a node is missing."""
    nodes = [*REQUIRED_NODES, f"nvidia{index}"]
    missing = [name for name in nodes if not (dev / name).exists()]
    if missing:
        raise GpuUnavailable(f"GPU {index} cannot be given to the sandbox: "
                             f"{', '.join('/dev/' + m for m in missing)} missing")
    argv: list[str] = []
    for name in nodes:
        argv += ["--dev-bind", str(dev / name), f"/dev/{name}"]
    argv += ["--ro-bind", "/sys", "/sys"]
    for folder in lib_dirs:
        if Path(folder).is_dir():
            argv += ["--ro-bind", folder, folder]
    argv += ["--setenv", "NVIDIA_VISIBLE_DEVICES", str(index)]
    return argv


def choose_gpu(gpu_need: str, assigned: int | None, dev: Path = Path("/dev")) -> int | None:
    """The GPU a job runs on: the worker's assigned one when the rubric allows a GPU."""
    if gpu_need == "none":
        return None
    available = detect_gpus(dev)
    if assigned is not None and assigned in available:
        return assigned
    if gpu_need == "required":
        raise GpuUnavailable(f"this rubric requires a GPU; this worker has "
                             f"{'GPUs ' + str(available) if available else 'none'} and was "
                             f"assigned {assigned}")
    return None
