"""docker/ and docker-compose.yml, checked without a Docker daemon (there is none here).

The compose file is validated against the Compose Specification's JSON schema as vendored by
check-jsonschema (PyPI); every path a Dockerfile copies and every host path compose mounts or
builds from must exist in the checkout.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "docker-compose.yml"
DOCKERFILES = sorted((REPO / "docker").glob("Dockerfile*"))


def _validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                           "vendor.compose-spec", str(path)], capture_output=True, text=True,
                          timeout=120, check=False)


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_file_follows_the_compose_specification():
    result = _validate(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_validator_rejects_a_broken_compose_file(tmp_path):
    broken = _compose()
    broken["services"]["api"]["healthcheck"]["interval"] = ["10s"]   # must be a string
    broken["services"]["worker-cpu"]["restart_policy"] = "always"    # not a service key
    path = tmp_path / "docker-compose.yml"
    path.write_text(yaml.safe_dump(broken))
    result = _validate(path)
    assert result.returncode != 0
    assert "restart_policy" in result.stdout + result.stderr


def _defaults(text: str) -> str:
    """${VAR:-default} → default: what `docker compose up` uses when VAR is unset."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", text)


def test_every_host_path_compose_mounts_or_builds_from_exists():
    compose = _compose()
    named = set(compose.get("volumes", {}))
    checked = 0
    for name, service in compose["services"].items():
        build = service.get("build")
        if build:
            assert (REPO / build["context"]).is_dir(), name
            assert (REPO / build["context"] / build["dockerfile"]).is_file(), name
        for volume in service.get("volumes", []):
            source = _defaults(volume).split(":")[0]
            if source in named:
                continue
            assert (REPO / source).exists(), f"{name} mounts {source}, which does not exist"
            checked += 1
    assert checked >= 6  # rubrics, data and hidden directories of the workers at least


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_every_path_a_dockerfile_copies_exists(dockerfile):
    copies = [line.split()[1:-1] for line in dockerfile.read_text().splitlines()
              if line.startswith("COPY ")]
    assert copies
    for sources in copies:
        for source in sources:
            assert (REPO / source).exists(), f"{dockerfile.name} copies {source}"


def test_workers_can_run_the_sandbox_and_the_gpu_worker_reserves_gpus():
    services = _compose()["services"]
    for name in ("worker-cpu", "worker-gpu"):
        worker = services[name]
        assert "SYS_ADMIN" in worker["cap_add"]
        assert "apparmor=unconfined" in worker["security_opt"]
        assert any(v.endswith(":/hidden:ro") for v in worker["volumes"])
        assert any(v.endswith(":/data:ro") for v in worker["volumes"])
    # the API never sees the held-out data, and the GPU worker only runs with --profile gpu
    assert not any("/hidden" in v for v in services["api"].get("volumes", []))
    gpu = services["worker-gpu"]
    assert gpu["profiles"] == ["gpu"]
    device = gpu["deploy"]["resources"]["reservations"]["devices"][0]
    assert device["driver"] == "nvidia" and device["capabilities"] == ["gpu"]
    for name in ("postgres", "redis", "api", "worker-cpu"):
        assert "healthcheck" in services[name], name
