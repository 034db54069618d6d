"""Every error the grader raises on purpose.

```
GraderError
  SubmissionError              the student's doing: refused or scored, never retried
    InvalidNotebook            not JSON, not nbformat v4, schema errors, not a Python notebook
    UploadTooLarge             over the configured byte limit
  RubricError                  an instructor's rubric or reference is wrong; loud at load time
    UnknownRubric              no rubric with that id or path
  InfrastructureError          ours: retried, then "not gradable", never a zero
    SandboxUnavailable         bwrap missing, no permission for namespaces, interpreter not readable
    SandboxStartError          the kernel did not come up inside the sandbox
    StorageError               a blob could not be written or is missing
NotFound, PermissionDenied, Conflict, RateLimited
                               service-level; only `api/` maps them to HTTP status codes
```

Limits a notebook hits while running (timeouts, memory, output, a dead kernel) are not
exceptions: they are recorded in the report as `ExecutionIssue`s and the grading goes on.
Each error's `str()` is a sentence a student or an instructor can act on.
"""

from __future__ import annotations


class GraderError(Exception):
    """Root of the grader's own errors."""


class SubmissionError(GraderError):
    """The submission itself is at fault; retrying cannot help."""


class InvalidNotebook(SubmissionError):
    def __init__(self, reason: str, *, source: str | None = None) -> None:
        self.reason = reason
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}not a gradable notebook: {reason}")


class UploadTooLarge(SubmissionError):
    def __init__(self, *, size_bytes: int, limit_bytes: int) -> None:
        self.size_bytes = size_bytes
        self.limit_bytes = limit_bytes
        super().__init__(
            f"the upload is {size_bytes / 2**20:.1f} MiB; the limit is "
            f"{limit_bytes / 2**20:.1f} MiB"
        )


class RubricError(GraderError):
    """A rubric file or the reference code it names is wrong."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        self.reason = message
        super().__init__(f"{source}: {message}" if source else message)


class UnknownRubric(RubricError):
    def __init__(self, name: str, *, known: list[str]) -> None:
        self.name = name
        choices = ", ".join(known) or "none"
        super().__init__(f"no rubric named {name!r} (known rubrics: {choices})")


class InfrastructureError(GraderError):
    """Our side failed; the submission is not to blame and must not get a zero."""


class SandboxUnavailable(InfrastructureError):
    """The sandbox cannot be used on this machine as configured."""


class SandboxStartError(InfrastructureError):
    """The kernel process did not start or did not answer inside the sandbox."""


class StorageError(InfrastructureError):
    """A blob could not be written, or one the database names is missing."""


class NotFound(GraderError):
    """No such object, or one the caller may not know exists (both answer 404)."""


class PermissionDenied(GraderError):
    """The caller is known to see the object but may not do this to it."""


class Conflict(GraderError):
    """The request contradicts the current state (e.g. the submission window is closed)."""


class RateLimited(GraderError):
    def __init__(self, message: str, *, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)
