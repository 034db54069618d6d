"""The GPU bind list, on a fake /dev (no GPU here): the fake stands in for NVIDIA's nodes."""

from __future__ import annotations

import pytest

from grader.sandbox.gpu import GpuUnavailable, choose_gpu, detect_gpus, gpu_bind_args


@pytest.fixture
def fake_dev(tmp_path):
    for name in ("nvidia0", "nvidia1", "nvidia3", "nvidiactl", "nvidia-uvm", "nvidia-uvm-tools",
                 "nvidia-modeset", "null", "nvidia-caps"):
        (tmp_path / name).touch()
    return tmp_path


def test_fake_dev_detects_the_gpu_nodes_only(fake_dev):
    assert detect_gpus(fake_dev) == [0, 1, 3]


def test_fake_dev_binds_only_the_assigned_gpu_and_what_cuda_needs(fake_dev):
    argv = gpu_bind_args(1, dev=fake_dev, lib_dirs=())
    binds = [(argv[i + 1], argv[i + 2]) for i, a in enumerate(argv) if a == "--dev-bind"]
    assert binds == [(str(fake_dev / "nvidiactl"), "/dev/nvidiactl"),
                     (str(fake_dev / "nvidia-uvm"), "/dev/nvidia-uvm"),
                     (str(fake_dev / "nvidia1"), "/dev/nvidia1")]
    joined = " ".join(argv)
    for absent in ("nvidia0", "nvidia3", "uvm-tools", "modeset"):
        assert absent not in joined
    assert ["--ro-bind", "/sys", "/sys"] == argv[9:12]
    assert argv[-3:] == ["--setenv", "NVIDIA_VISIBLE_DEVICES", "1"]


def test_fake_dev_driver_libraries_outside_usr_are_bound_read_only(fake_dev, tmp_path_factory):
    libs = tmp_path_factory.mktemp("nvidia-lib64")
    argv = gpu_bind_args(0, dev=fake_dev, lib_dirs=(str(libs), "/nonexistent/lib"))
    assert ["--ro-bind", str(libs), str(libs)] == argv[12:15]
    assert "/nonexistent/lib" not in argv


def test_fake_dev_a_missing_node_is_a_clear_error(fake_dev):
    (fake_dev / "nvidia-uvm").unlink()
    with pytest.raises(GpuUnavailable, match="/dev/nvidia-uvm missing"):
        gpu_bind_args(0, dev=fake_dev)
    with pytest.raises(GpuUnavailable, match="/dev/nvidia7"):
        gpu_bind_args(7, dev=fake_dev)


def test_fake_dev_which_gpu_a_job_gets(fake_dev, tmp_path_factory):
    assert choose_gpu("none", 0, fake_dev) is None
    assert choose_gpu("optional", 3, fake_dev) == 3
    assert choose_gpu("optional", 2, fake_dev) is None        # not this machine's: run on CPU
    assert choose_gpu("required", 1, fake_dev) == 1
    empty = tmp_path_factory.mktemp("dev")
    with pytest.raises(GpuUnavailable, match="requires a GPU; this worker has none"):
        choose_gpu("required", None, empty)
