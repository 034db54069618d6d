"""What a kernel in the sandbox can see and reach: nothing of the host it does not need."""

from __future__ import annotations

import functools
import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.rubric.models import Limits
from grader.sandbox import cgroups
from grader.sandbox.bwrap import BwrapBackend
from tests.conftest import REPO
from tests.factories import assert_artifact_is_read_only, make_notebook, run_cells, stdout

pytestmark = pytest.mark.sandbox


class _Counter(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:  # noqa: N802
        type(self).hits += 1
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"HOST-ONLY DATA")

    def log_message(self, *args: object) -> None:
        pass


def test_no_network_not_even_the_hosts_loopback(bwrap):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        result = run_cells(bwrap, (
            "import urllib.request, socket\n"
            "try:\n"
            f"    print(urllib.request.urlopen('http://127.0.0.1:{port}/', timeout=3).read())\n"
            "except Exception as e:\n    print('blocked', type(e).__name__)\n"
            "try:\n    socket.create_connection(('1.1.1.1', 443), timeout=3)\n"
            "except OSError as e:\n    print('blocked', e.errno)\n"
            "lines = open('/proc/net/dev').readlines()[2:]\n"
            "print(sorted(line.split(':')[0].strip() for line in lines))"))
    finally:
        server.shutdown()
        server.server_close()
    out = stdout(result, 0)
    assert "HOST-ONLY" not in out
    assert out.splitlines() == ["blocked URLError", "blocked 101", "['lo']"]
    assert _Counter.hits == 0


def test_rubrics_reference_code_and_host_files_are_invisible(bwrap):
    secrets = [REPO / "rubrics" / "hw3-2022.yaml", REPO / "reference" / "attention.py",
               REPO / "notebooks" / "hw3-2022" / "solution.ipynb", REPO / "pyproject.toml",
               Path("/etc/passwd"), Path("/etc/shadow"), Path("/root"), Path("/var"),
               Path(sys.prefix).resolve() / ".." / "grader"]
    code = "import os\nfor p in %r:\n    print(os.path.exists(p))\n" % [str(p) for p in secrets]
    code += "print(sorted(os.listdir('/')))\nprint(sorted(os.listdir('.')))\n"
    code += "print(os.listdir('/home'))\n"
    code += "print(os.listdir('/run'), os.path.realpath('submission.ipynb'))\n"
    code += "print(len([p for p in os.listdir('/proc') if p.isdigit()]), os.getuid())"
    out = stdout(run_cells(bwrap, code), 0).splitlines()
    assert out[:len(secrets)] == ["False"] * len(secrets)
    visible_root = set(eval(out[len(secrets)]))  # noqa: S307 - our own printed list
    # The interpreter's venv is bound at its real path, so its top directory shows up (the
    # checkout's own files beside it do not: see the secrets above).
    venv_top = Path(bwrap.venv).parts[1]
    assert visible_root <= {"bin", "dev", "etc", "home", "lib", "lib64", "proc", "run", "sbin",
                            "tmp", "usr", venv_top}
    assert eval(out[len(secrets) + 1]) == ["submission.ipynb"]  # noqa: S307
    assert out[-3] == "['student']"
    # the staged notebook, read-only, linked into the home directory
    assert out[-2] == "['submission'] /run/submission/submission.ipynb"
    assert out[-1] == "2 65534"  # only bwrap's init and the kernel; an unprivileged uid


def test_artifacts_are_readable_but_not_writable(bwrap, tmp_path):
    assert_artifact_is_read_only(functools.partial(run_cells, bwrap), tmp_path)


def test_data_dir_is_bound_read_only_and_named_by_grader_data(bwrap, public_tmp):
    (public_tmp / "fashion-mnist").mkdir(mode=0o755)
    (public_tmp / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").write_bytes(b"idx")
    result = run_cells(bwrap, "import os\nd = os.environ['GRADER_DATA']\n"
                              "print(os.listdir(os.path.join(d, 'fashion-mnist')))\n"
                              "try:\n    open(os.path.join(d, 'x'), 'w')\nexcept OSError as e:\n"
                              "    print('read-only', e.errno)",
                       data_dir=public_tmp)
    assert stdout(result, 0).splitlines() == ["['t10k-images-idx3-ubyte.gz']", "read-only 30"]


def test_each_run_gets_a_fresh_kernel(bwrap):
    run_cells(bwrap, "leftover = 42\nopen('/tmp/mark', 'w').write('x')")
    out = stdout(run_cells(bwrap, "import os\nprint('leftover' in globals(), "
                                  "os.path.exists('/tmp/mark'))"), 0)
    assert out.strip() == "False False"


def _start_grading_a_sleeper(settings, tmp_path):  # noqa: ANN001, ANN202
    import nbformat

    nb = tmp_path / "sleepy.ipynb"
    nbformat.write(make_notebook("import time\ntime.sleep(120)"), str(nb))
    proc = subprocess.Popen(
        [sys.executable, "-m", "grader", "grade", str(nb), "--rubric",
         str(REPO / "tests/data/rubrics/hostile.yaml")],
        env={**os.environ, "GRADER_RUNS_DIR": str(settings.runs_dir)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run_dir = _wait_for(lambda: next((p for p in settings.runs_dir.glob(f"{proc.pid}-*")
                                      if p.is_dir() and not p.name.endswith(".in")), None),
                        interval=0.002)
    return proc, run_dir


def _assert_next_start_sweeps(settings, run_dir: Path) -> None:  # noqa: ANN001
    BwrapBackend(runs_dir=settings.runs_dir).run(
        _trivial_request(Limits(cell_timeout=10, total_timeout=30)))
    assert not run_dir.exists()
    assert not any((cgroups.CGROUP_ROOT / c / cgroups.GROUP / run_dir.name).exists()
                   for c in ("memory", "pids", "cpu"))


def test_a_killed_grader_takes_its_running_kernel_along_and_the_next_start_sweeps(
        settings, tmp_path):
    proc, run_dir = _start_grading_a_sleeper(settings, tmp_path)
    kernel_pids = _wait_for(lambda: _pids_running(run_dir.name, kernel_started=True))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _wait_for(lambda: not any(_alive(p) for p in kernel_pids), timeout=10)
    assert run_dir.exists()  # left behind by the SIGKILL
    _assert_next_start_sweeps(settings, run_dir)


def test_a_grader_killed_while_bwrap_sets_up_leaves_no_student_code_running(settings, tmp_path):
    # Killed the instant bwrap forks, its half-built child can outlive it, blocked before
    # PR_SET_PDEATHSIG (measured: 8 of 15 kills at this moment). It never reaches the kernel;
    # the next start of a grader on this machine kills it with its cgroup.
    proc, run_dir = _start_grading_a_sleeper(settings, tmp_path)
    sandbox_pids = _wait_for(lambda: _pids_running(run_dir.name), interval=0.001)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(3)  # long enough for a surviving child to have started the kernel, were it able to
    assert not [p for p in _cgroup_pids(run_dir.name) if _alive(p) and _is_kernel(p)]
    _assert_next_start_sweeps(settings, run_dir)
    assert not any(_alive(p) for p in sandbox_pids)


def _trivial_request(limits: Limits):
    from grader.sandbox.base import ExecutionRequest

    return ExecutionRequest(notebook=make_notebook("1 + 1"), probe_cells=[], limits=limits)


def _cgroup_pids(run_id: str) -> list[int]:
    procs = cgroups.CGROUP_ROOT / "pids" / cgroups.GROUP / run_id / "cgroup.procs"
    try:
        return [int(p) for p in procs.read_text().split()]
    except OSError:
        return []


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _is_kernel(pid: int) -> bool:  # bwrap's own argv names the kernel command too
    return Path(_cmdline(pid).split(b"\0")[0].decode()).name.startswith("python")


def _pids_running(run_id: str, kernel_started: bool = False) -> list[int]:
    pids = _cgroup_pids(run_id)
    if kernel_started:  # bwrap, its pid-namespace init and the kernel itself
        return pids if any(_is_kernel(p) for p in pids) else []
    return pids if len(pids) >= 2 else []  # bwrap has forked its sandboxed child


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


def _wait_for(condition, timeout: float = 30, interval: float = 0.1):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting")


def test_an_unreadable_data_dir_is_refused_with_the_reason(bwrap, tmp_path):
    from grader.errors import SandboxUnavailable

    with pytest.raises(SandboxUnavailable, match="cannot reach the data directory .* not "
                                                 "readable by other users"):
        run_cells(bwrap, "1", data_dir=tmp_path)
