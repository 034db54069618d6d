"""Settings from `GRADER_*` environment variables, read when `get_settings()` is called.

Every field is documented in the README's configuration table (`grader config` prints them).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from grader.rubric.loader import default_rubrics_dir


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRADER_", extra="ignore")

    # grading engine
    rubrics_dir: Path = Field(default_factory=default_rubrics_dir,
                              description="directory of <id>.yaml rubrics; reference/ beside it")
    sandbox: str = Field("bwrap", description="bwrap (default) or process (development only)")
    sandbox_uid: int = Field(65534, description="host uid the kernel runs as when root starts it")
    runs_dir: Path = Field(Path("/tmp/grader-runs"),
                           description="per-run socket dirs; keep the path short (107-byte "
                                       "limit of Unix socket paths)")
    data: Path | None = Field(None, description="datasets, bound read-only into the sandbox "
                                                "(also read from GRADER_DATA)")
    hidden_data: Path | None = Field(
        None, description="held-out test sets with their labels (e.g. FashionMNIST t10k), read "
                          "by the grader only and never bound into the sandbox")
    verify_datasets: bool = Field(True, description="check official datasets' MD5s; off only "
                                                    "for stand-ins built by tests")
    gpu: int | None = Field(None, description="the GPU (/dev/nvidiaN) this worker's jobs run "
                                              "on when their rubric allows one; run one "
                                              "worker per GPU")
    kernel_python: str | None = Field(None, description="interpreter of the kernel; default: "
                                                        "the grader's own")
    max_notebook_bytes: int = Field(50 * 2**20, description="largest notebook accepted, bytes")
    pool_size: int = Field(1, ge=0, description="warm sandboxed kernels each worker process "
                                                "keeps per kernel environment (limits, preload "
                                                "imports, data dir, GPU); each is used for one "
                                                "submission; 0: start every kernel cold. "
                                                "`grader grade` (one notebook) never pools")
    pool_envs: int = Field(2, ge=1, description="kernel environments a worker keeps warm "
                                                "kernels for (the most recently used)")

    # service
    home: Path = Field(Path("var"), description="state of the embedded service: the SQLite "
                                                "database and the blob store")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default: SQLite in "
                                                       "GRADER_HOME/grader.db")
    blob_dir: Path | None = Field(None, description="blob store; default GRADER_HOME/blobs")
    redis_url: str | None = Field(None, description="Celery broker; `grader serve` starts a "
                                                    "private redis-server when unset")
    max_upload_bytes: int = Field(50 * 2**20, description="largest upload (notebook plus "
                                                          "artifacts), bytes; 413 beyond")
    uploads_per_window: int = Field(30, description="uploads a student may make per window")
    upload_window_s: int = Field(600, description="rate-limit window, seconds")
    lease_s: float = Field(60, description="a running job's lease; renewed every third of it")
    max_attempts: int = Field(3, description="deliveries of one submission before it is "
                                             "marked a system error")
    requeue_queued_after_s: float = Field(600, description="re-send a submission still queued "
                                                           "after this long (lost message)")
    reap_interval_s: float = Field(30, description="how often each worker looks for stuck jobs")
    worker_max_tasks_per_child: int = Field(50, description="recycle a worker process after N")
    worker_nice: int = Field(10, description="CPU niceness of workers and their kernels, so "
                                             "the API stays responsive under a grading burst")
    job_time_limit_s: int = Field(3600, description="Celery's soft limit per job (hard: +60 s); "
                                                    "a rubric's total_timeout must fit under it")

    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'grader.db').resolve()}"

    def blob_root(self) -> Path:
        return self.blob_dir or self.home / "blobs"


@lru_cache
def get_settings() -> Settings:
    return Settings()
