"""The default backend: the kernel process runs inside bubblewrap (sandbox-lab.md §1).

Only the kernel is sandboxed; nbclient stays on the host and talks to it over Jupyter's IPC
transport (Unix sockets in a per-run directory bound at the same path inside), so the sandbox
has no network at all. What the kernel sees: read-only /usr and the Python environment, the
declared data directory read-only, a size-capped tmpfs home holding the notebook and its
artifacts (read-only files), small tmpfs /tmp and /dev/shm, and nothing else of the host: not
the rubrics, not the reference code, not the project checkout.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec

from grader.errors import SandboxUnavailable
from grader.rubric.models import Limits
from grader.sandbox import cgroups
from grader.sandbox.base import ExecutionRequest, ExecutionResult, SandboxInfo
from grader.sandbox.cgroups import LimitPlan
from grader.sandbox.client import STARTUP_TIMEOUT_S, run_request, start_kernel
from grader.sandbox.gpu import gpu_bind_args
from grader.sandbox.pool import KernelPool

HOME = "/home/student"
SUBMISSION_DIR = "/run/submission"  # the staged notebook and artifacts, read-only
INSTALL_HINT = ("bubblewrap is not installed; install it with `sudo apt-get install -y "
                "bubblewrap` (Debian/Ubuntu), or use the development-only backend with "
                "`--sandbox process` (no isolation)")


LIFELINE_ENV = "GRADER_LIFELINE_FD"

# Runs in the kernel's interpreter before ipykernel loads. The grader holds the write end of a
# pipe whose read end the kernel inherits; the grader's death (even by SIGKILL) closes it, and
# this thread then kills everything in the sandbox's pid namespace (kill(-1) spares only the
# namespace's init, which exits when its child does). bwrap's --die-with-parent alone misses
# the moment just after bwrap forks (bubblewrap issue #633): a kernel then runs on, unwatched.
LIFELINE = f"""\
import os, threading
def _lifeline(fd):
    try:
        while os.read(fd, 1):
            pass
    except OSError:
        pass
    try:
        os.kill(-1, 9)
    finally:
        os._exit(70)
_fd = int(os.environ.pop({LIFELINE_ENV!r}))
threading.Thread(target=_lifeline, args=(_fd,), daemon=True, name="grader-lifeline").start()
del os, threading, _lifeline, _fd
from ipykernel.kernelapp import launch_new_instance
launch_new_instance()
"""


def link_submission(names: list[str]) -> str:
    """Kernel code, run silently before the student's first cell: link the staged files into
    HOME (read-only through the link). It leaves no name behind in the student's namespace."""
    return (f"(lambda os: [os.symlink({SUBMISSION_DIR!r} + '/' + n, {HOME!r} + '/' + n) "
            f"for n in {sorted(names)!r}] and None)(__import__('os'))")


# Kernel code, run silently before the first cell. IPython 9 keeps every string a cell prints
# in memory (`_tee`, for its output history, whatever HistoryManager says): an endless print
# loop filled a 256 MiB sandbox in 2 s and was OOM-killed, and the cells after it never ran.
# So: no tee, and past twice the per-cell output cap what a cell prints to sys.stdout/stderr is
# dropped inside the kernel. The client's cap stays the rule and the report; a student can undo
# this, and then only the client's cap holds.
OUTPUT_GUARD = """\
import contextlib, sys
shell = get_ipython()
if hasattr(shell, "_tee"):
    shell._tee = lambda channel: contextlib.nullcontext()
saved = []
def post(*_):
    while saved:
        stream, write = saved.pop()
        stream.write = write
def pre(*_):
    post()
    for stream in (sys.stdout, sys.stderr):
        write, used = stream.write, [0]
        def capped(text, write=write, used=used):
            if used[0] >= CAP:
                return len(text)
            used[0] += len(text)
            return write(text)
        saved.append((stream, write))
        stream.write = capped
shell.events.register("pre_run_cell", pre)
shell.events.register("post_run_cell", post)
"""


def output_guard(cap_bytes: int) -> str:
    return f"exec({OUTPUT_GUARD!r}, {{'CAP': {2 * cap_bytes}}})"


def kernel_argv(python: str, preload: list[str], lifeline: bool = False) -> list[str]:
    start = ["-c", LIFELINE] if lifeline else ["-m", "ipykernel_launcher"]
    argv = [python, *start, "-f", "{connection_file}",
            "--HistoryManager.enabled=False", "--IPKernelApp.quiet=True"]
    argv += [f"--IPKernelApp.exec_lines=import {module}" for module in preload]
    return argv


class SandboxedKernelManager(AsyncKernelManager):
    """AsyncKernelManager whose kernel command is wrapped by the backend (cgroup join, bwrap)."""

    def __init__(self, *, run_dir: Path, wrapper: Any, argv: list[str], owner_uid: int | None,
                 pass_fds: tuple[int, ...] = (), **kw: Any) -> None:
        super().__init__(transport="ipc", **kw)
        self._wrapper = wrapper
        self._pass_fds = pass_fds
        self._owner_uid = owner_uid
        self.connection_file = str(run_dir / "kernel.json")
        self.ip = str(run_dir / "k")  # sockets: <run_dir>/k-1 ... k-5
        # Interrupts go over the control channel: a SIGINT to bwrap's process group never
        # reaches a kernel that sits in a new session.
        self._kernel_spec = KernelSpec(argv=argv, display_name="sandboxed python",
                                       language="python", interrupt_mode="message",
                                       metadata={"debugger": False})

    def write_connection_file(self, **kw: Any) -> tuple[str, dict[str, Any]]:
        result = super().write_connection_file(**kw)
        if self._owner_uid is not None:  # written 0600: the unprivileged kernel must read it
            os.chown(self.connection_file, self._owner_uid, self._owner_uid)
        return result

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return self._wrapper(super().format_kernel_cmd(extra_arguments))

    @property
    def process(self) -> subprocess.Popen | None:
        """The outermost process of the sandbox (bwrap), once started."""
        return getattr(self.provisioner, "process", None)

    def kill_now(self) -> None:
        """SIGKILL to bwrap takes the sandbox's whole pid namespace along (and the lifeline
        would too)."""
        process = self.process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(10)

    async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        """The sandbox is single-use: kill it at once, no interrupt first and no 0.1 s polling
        (jupyter_client's shutdown cost 0.11 s per submission here)."""
        self.shutting_down = True
        self.kill_now()
        await self._async_cleanup_resources(restart=restart)

    _async_shutdown_kernel = shutdown_kernel

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        if self._pass_fds:  # the lifeline's read end (every other fd is closed at exec)
            kw["pass_fds"] = self._pass_fds
        await super()._async_launch_kernel(kernel_cmd, **kw)


@dataclass
class RunDir:
    """Per-run host directory for the connection file and the sockets (written from inside)."""

    id: str
    path: Path
    staging: Path  # the notebook and artifacts, bound read-only file by file

    @classmethod
    def create(cls, runs_dir: Path, owner_uid: int | None) -> RunDir:
        runs_dir.mkdir(parents=True, exist_ok=True, mode=0o711)
        run_id = f"{os.getpid()}-{secrets.token_hex(4)}"
        path, staging = runs_dir / run_id, runs_dir / f"{run_id}.in"
        path.mkdir(mode=0o700)
        staging.mkdir(mode=0o711)
        if os.geteuid() == 0:
            # The socket dir is a host path writable from inside: give it a tiny tmpfs of its
            # own, so the kernel cannot fill the host disk through it.
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,nr_inodes=64,mode=0700",
                            "grader-run", str(path)], check=True)
        if owner_uid is not None:
            os.chown(path, owner_uid, owner_uid)
        return cls(run_id, path, staging)

    def stage(self, name: str, source: Path | bytes) -> Path:
        target = self.staging / name
        if isinstance(source, bytes):
            target.write_bytes(source)
        elif _world_readable(source) and _linked(source, target):
            return target  # a blob is immutable: linked rather than copied
        else:
            shutil.copyfile(source, target)
        target.chmod(0o644)
        return target

    def remove(self) -> None:
        remove_run_dir(self.path)
        shutil.rmtree(self.staging, ignore_errors=True)


def _world_readable(path: Path) -> bool:
    try:
        return path.stat().st_mode & 0o444 == 0o444
    except OSError:
        return False


def _linked(source: Path, target: Path) -> bool:
    try:
        os.link(source, target)  # same filesystem only
    except OSError:
        return False
    return True


def remove_run_dir(path: Path) -> None:
    if os.path.ismount(path):
        subprocess.run(["umount", "-l", str(path)], check=False)
    shutil.rmtree(path, ignore_errors=True)


def sweep_run_dirs(runs_dir: Path) -> int:
    """Remove run dirs of graders that died (SIGKILL leaves them, and their tmpfs mounts)."""
    removed = 0
    if not runs_dir.is_dir():
        return 0
    for entry in runs_dir.iterdir():
        run_id = entry.name.removesuffix(".in")
        if not cgroups.owner_alive(run_id):
            remove_run_dir(entry)
            removed += 1
    return removed


@dataclass(frozen=True)
class KernelEnv:
    """What a kernel is started with, before any submission is known: the pool's key."""

    limits: Limits
    preload: tuple[str, ...] = ()
    data_dir: Path | None = None
    gpu: int | None = None

    @classmethod
    def of(cls, request: ExecutionRequest) -> KernelEnv:
        return cls(limits=request.limits, preload=tuple(request.preload),
                   data_dir=request.data_dir, gpu=request.gpu)


@dataclass
class Sandbox:
    """One single-use sandbox: run dir, cgroups, lifeline and a kernel manager (not started
    until nbclient starts it, or the pool warms it)."""

    env: KernelEnv
    run: RunDir
    plan: LimitPlan
    info: SandboxInfo
    lifeline: tuple[int, int]
    km: SandboxedKernelManager | None = None
    stderr_tail: Any = None

    def alive(self) -> bool:
        process = self.km.process if self.km else None
        return process is not None and process.poll() is None

    def close(self) -> None:
        """Kill the kernel if it still runs, then remove everything the sandbox had."""
        try:
            if self.km is not None:  # after nbclient's shutdown these are done already
                self.km.kill_now()
                self.km._close_control_socket()
                if self.km._created_context and not self.km.context.closed:
                    self.km.context.destroy(linger=0)
        finally:
            for fd in self.lifeline:
                os.close(fd)
            cgroups.destroy(self.plan)
            self.run.remove()


class BwrapBackend:
    name = "bwrap"

    def __init__(self, *, runs_dir: Path, sandbox_uid: int = 65534,
                 kernel_python: str | None = None,
                 cgroup_root: Path = cgroups.CGROUP_ROOT, pool_size: int = 0,
                 pool_envs: int = 2) -> None:
        self.runs_dir = runs_dir
        self.cgroup_root = cgroup_root
        self.sandbox_uid = sandbox_uid
        # The venv may be reached through a symlink (scripts/setup.sh puts it under /opt when
        # the checkout is private): bind and run it by its real path.
        python = Path(kernel_python or sys.executable)
        self.venv = Path(os.path.realpath(python.parent.parent))
        self.python = str(self.venv / "bin" / python.name)
        self._swept = False
        self._python_checked = False
        self.pool = (KernelPool(pool_size, self.warm_sandbox, max_envs=pool_envs)
                     if pool_size > 0 else None)

    def run(self, request: ExecutionRequest) -> ExecutionResult:
        env = KernelEnv.of(request)
        sandbox = self.pool.take(env) if self.pool is not None else None
        if sandbox is None:
            sandbox = self.new_sandbox(env)
        try:
            staged = request.all_assets()
            for name, src in staged.items():
                sandbox.run.stage(name, src)

            def diagnose() -> str:
                stats = cgroups.read_stats(sandbox.plan)
                if stats.oom_kills:
                    return (f"it used more than the {request.limits.memory_bytes / 2**30:.1f} "
                            "GiB memory limit")
                return "the kernel process died"

            return run_request(request, lambda: sandbox.km, sandbox.info, diagnose,
                               stats=lambda: cgroups.read_stats(sandbox.plan),
                               prelude=link_submission(list(staged)) + "\n"
                               + output_guard(request.limits.output_bytes),
                               stderr_tail=sandbox.stderr_tail)
        finally:
            sandbox.close()

    def new_sandbox(self, env: KernelEnv) -> Sandbox:
        """Everything a kernel needs before it starts; nothing of the submission yet."""
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            raise SandboxUnavailable(INSTALL_HINT)
        as_root = os.geteuid() == 0
        if as_root:
            if not self._python_checked:  # the environment does not move between runs
                check_readable_by_others([self.python, *self.python_roots()])
                self._python_checked = True
            if env.data_dir is not None:
                check_readable_by_others([str(env.data_dir)], what="the data directory")
        if not self._swept:  # leftovers of graders that were killed
            cgroups.sweep_leftovers(self.cgroup_root)
            sweep_run_dirs(self.runs_dir)
            self._swept = True
        run = RunDir.create(self.runs_dir, self.sandbox_uid if as_root else None)
        plan = cgroups.plan_limits(run.id, env.limits, root=self.cgroup_root)
        lifeline_r, lifeline_w = os.pipe()  # both close-on-exec; see LIFELINE
        info = SandboxInfo(backend=self.name, limits_enforced_by=plan.enforced_by, gpu=env.gpu)
        if plan.enforced_by.startswith("rlimit"):
            info.warnings.append(f"limits enforced by {plan.enforced_by}: memory is an "
                                 "address-space limit and the process count is weak")
        sandbox = Sandbox(env=env, run=run, plan=plan, info=info,
                          lifeline=(lifeline_r, lifeline_w))
        try:
            owner = self.sandbox_uid if as_root else None
            argv = self.bwrap_argv(bwrap, run, env, lifeline_fd=lifeline_r)
            sandbox.km = SandboxedKernelManager(
                run_dir=run.path, wrapper=_Wrapper(argv, plan, owner),
                argv=kernel_argv(self.python, list(env.preload), lifeline=True),
                owner_uid=owner, pass_fds=(lifeline_r,))
        except BaseException:
            sandbox.close()
            raise
        return sandbox

    def warm_sandbox(self, env: KernelEnv) -> Sandbox:
        """A sandbox whose kernel is started and has done its preload imports. Nothing runs in
        it until a submission takes it: no code of ours, so no CUDA initialisation either."""
        sandbox = self.new_sandbox(env)
        try:
            sandbox.stderr_tail = asyncio.run(start_kernel(sandbox.km, STARTUP_TIMEOUT_S))
            sandbox.info.pooled = True
        except BaseException:
            sandbox.close()
            raise
        return sandbox

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

    def python_roots(self) -> list[str]:
        """Directories the kernel's interpreter needs: the venv, and its base if not in /usr."""
        venv = str(self.venv)
        base = str(Path(os.path.realpath(self.python)).parent.parent)
        roots = [venv]
        if not base.startswith("/usr/") and base != "/usr" and base != venv:
            roots.append(base)
        return roots

    def bwrap_argv(self, bwrap: str, run: RunDir, env: KernelEnv,
                   lifeline_fd: int | None = None) -> list[str]:
        limits = env.limits
        variables = {"PATH": f"{Path(self.python).parent}:/usr/bin:/bin", "HOME": HOME,
               "IPYTHONDIR": "/tmp/.ipython", "MPLCONFIGDIR": "/tmp/.mpl", "MPLBACKEND": "Agg",
               "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8",
               "OMP_NUM_THREADS": str(max(1, int(limits.cpus)))}
        if env.data_dir is not None:
            variables["GRADER_DATA"] = str(env.data_dir)
        if lifeline_fd is not None:
            variables[LIFELINE_ENV] = str(lifeline_fd)
        argv = [bwrap,
                "--unshare-all",                      # user, ipc, pid, net, uts, cgroup
                "--unshare-user", "--uid", str(self.sandbox_uid), "--gid", str(self.sandbox_uid),
                "--disable-userns",                   # no namespaces of its own inside
                "--die-with-parent",                  # the sandbox dies with the grader
                "--new-session",                      # no TIOCSTI on a controlling tty
                "--hostname", "sandbox", "--clearenv"]
        for key, value in variables.items():
            argv += ["--setenv", key, value]
        argv += ["--ro-bind", "/usr", "/usr",
                 "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                 "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
                 "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
                 "--ro-bind-try", "/etc/localtime", "/etc/localtime",
                 "--ro-bind-try", "/etc/alternatives", "/etc/alternatives",
                 "--proc", "/proc", "--dev", "/dev"]
        if env.gpu is not None:  # right after --dev, or its tmpfs hides the nodes
            argv += gpu_bind_args(env.gpu)
        argv += [
                 # /dev and bwrap's root are tmpfs sized at half the RAM: cap or make read-only
                 "--size", str(16 * 2**20), "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
                 # tmpfs before the binds below it, or it hides them
                 "--size", str(limits.disk_bytes), "--tmpfs", "/tmp",
                 "--size", str(limits.disk_bytes), "--perms", "0777", "--tmpfs", HOME]
        for root in self.python_roots():
            argv += ["--ro-bind", root, root]
        if env.data_dir is not None:
            argv += ["--ro-bind", str(env.data_dir), str(env.data_dir)]
        # The notebook and its artifacts: staged after the kernel may have started (a pooled
        # kernel starts before its submission is known), linked into HOME by link_submission.
        argv += ["--ro-bind", str(run.staging), SUBMISSION_DIR]
        conn = str(run.path / "kernel.json")
        argv += ["--bind", str(run.path), str(run.path), "--ro-bind", conn, conn,
                 "--chdir", HOME, "--remount-ro", "/", "--"]
        return argv


class _Wrapper:
    """Turns the kernel command into: join cgroups, [prlimit], [setpriv], bwrap …, kernel."""

    def __init__(self, bwrap_argv: list[str], plan: LimitPlan, host_uid: int | None) -> None:
        self.bwrap_argv, self.plan, self.host_uid = bwrap_argv, plan, host_uid

    def __call__(self, kernel_cmd: list[str]) -> list[str]:
        cmd = self.bwrap_argv + kernel_cmd
        if self.host_uid is not None:
            # bwrap started by root leaves the kernel as host uid 0 (caps dropped, but it owns
            # every root file it can see and RLIMIT_NPROC does not bind): drop to a plain uid.
            cmd = ["setpriv", f"--reuid={self.host_uid}", f"--regid={self.host_uid}",
                   "--clear-groups", "--", *cmd]
        if self.plan.prlimit_args:
            cmd = ["prlimit", *self.plan.prlimit_args, "--", *cmd]
        # Join the cgroups before exec, so every process bwrap forks is born inside them.
        script = "".join(f"echo $$ > {p} && " for p in self.plan.procs_files) + 'exec "$@"'
        return ["/bin/sh", "-c", script, "grader-sandbox", *cmd]


def check_readable_by_others(paths: list[str], what: str = "the Python environment") -> None:
    """The kernel runs as an unprivileged uid: every directory above what it reads must be open."""
    for start in paths:
        path = Path(start)
        for part in [path, *path.parents]:
            try:
                mode = part.stat().st_mode
            except OSError:
                continue
            needed = stat.S_IXOTH if stat.S_ISDIR(mode) else stat.S_IROTH
            if not mode & needed:
                raise SandboxUnavailable(
                    f"the sandbox user cannot reach {what} at {start}: {part} is not "
                    f"readable by other users (mode {stat.filemode(mode)}); put it under a "
                    "world-readable directory such as /opt or /srv")
