"""The rubric: what an assignment asks and how each answer is checked (validated YAML).

The YAML keys follow DESIGN.md (`cell_timeout: 300`, `memory: 6GiB`); the Python attributes
carry their units (`cell_timeout_s`, `memory_bytes`).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_UNITS = {"": 1, "B": 1, "K": 2**10, "KB": 10**3, "KIB": 2**10, "M": 2**20, "MB": 10**6,
          "MIB": 2**20, "G": 2**30, "GB": 10**9, "GIB": 2**30, "T": 2**40, "TB": 10**12,
          "TIB": 2**40}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")


def parse_bytes(value: int | str) -> int:
    """`6GiB` → 6442450944; plain integers are bytes."""
    if isinstance(value, int):
        return value
    match = _SIZE.match(str(value))
    if not match or match.group(2).upper() not in _UNITS:
        raise ValueError(f"{value!r} is not a size; write e.g. 512MiB, 6GiB or a number of bytes")
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


ByteSize = Annotated[int, Field(ge=1)]
Ref = Annotated[str, Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$",
                           description="module:attribute, e.g. reference.attention:causal")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Limits(_Model):
    """Resource limits for one submission; all enforced from outside the kernel."""

    cell_timeout_s: float = Field(60, gt=0, alias="cell_timeout")
    total_timeout_s: float = Field(600, gt=0, alias="total_timeout")
    memory_bytes: ByteSize = Field(2 * 2**30, alias="memory")
    pids: int = Field(256, ge=16, description="processes and threads in the sandbox")
    output_bytes: ByteSize = Field(2**20, alias="output", description="kept output per cell")
    disk_bytes: ByteSize = Field(256 * 2**20, alias="disk", description="writable work dir")
    cpus: float = Field(1.0, gt=0, description="CPU quota, in cores")
    probe_timeout_s: float = Field(10, gt=0, alias="probe_timeout",
                                   description="one call of a student's function")
    probe_output_bytes: ByteSize = Field(16 * 2**20, alias="probe_output",
                                         description="answers of one check, encoded")
    gpu: Literal["none", "optional", "required"] = "none"

    @field_validator("memory_bytes", "output_bytes", "disk_bytes", "probe_output_bytes",
                     mode="before")
    @classmethod
    def _sizes(cls, value: int | str) -> int:
        return parse_bytes(value)


Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]
Compare = Literal["exact", "allclose"]


class _Check(_Model):
    weight: float = Field(1.0, gt=0, description="share of the question's points")
    visibility: Literal["visible", "hidden"] = Field(
        "visible", description="hidden: feedback gives pass counts only, never inputs")


class FunctionCheck(_Check):
    """Call the student's function on hidden cases; compare with the reference's answers."""

    kind: Literal["function"]
    name: str = Field(pattern=r"^[A-Za-z_]\w*$")
    reference: Ref
    inputs: Ref = Field(description="generator: (numpy.random.Generator) -> list[Case]")
    compare: Compare | Ref = "exact"
    rtol: float = 1e-6
    atol: float = 1e-6
    credit: Literal["fraction", "all_or_nothing"] = "fraction"
    harness: Ref | None = Field(
        None, description="a function of a self-contained module (numpy/torch only), run in the "
                          "kernel as harness(student_function, *args): it builds stand-ins "
                          "(models, iterators, counting proxies) and returns plain observations")
    expected_from: Literal["reference", "harness"] = Field(
        "reference", description="harness: the expected value is harness(reference, *args), "
                                 "run in the grader's process")


class ValueCheck(_Check):
    """A variable the notebook defines, compared with a reference value."""

    kind: Literal["value"]
    name: str = Field(pattern=r"^[A-Za-z_]\w*$")
    reference: Ref = Field(description="a constant, or a function of no argument")
    compare: Compare | Ref = "exact"
    rtol: float = 1e-6
    atol: float = 1e-6


class Threshold(_Model):
    full: float = Field(ge=0, le=1)
    zero: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Threshold:
        if self.zero > self.full:
            raise ValueError("zero must not be above full")
        return self


class ModelAccuracyCheck(_Check):
    """The grader feeds unlabeled hidden inputs and computes accuracy itself."""

    kind: Literal["model_accuracy"]
    name: str = Field(pattern=r"^[A-Za-z_]\w*$")
    dataset: Ref = Field(description="(numpy.random.Generator, HiddenData) -> (inputs, labels)")
    threshold: Threshold
    batch_size: int = Field(1000, ge=1)
    output: Literal["labels", "probability"] = Field(
        "labels", description="probability: one P(class 1) per input, thresholded at 0.5")
    classes: list[str] | None = Field(
        None, description="the function returns these names; label i is classes[i]")


class ReportedAccuracyCheck(_Check):
    """A table of accuracies the notebook reports must agree with what the grader measured."""

    kind: Literal["reported_accuracy"]
    name: str = Field(pattern=r"^[A-Za-z_]\w*$")
    against: str = Field(description="id of the question whose model_accuracy check measured it")
    tolerance: float = Field(0.02, ge=0, le=1, description="allowed difference, as a fraction "
                                                            "(0.02 = 2 points), plus the "
                                                            "measurement's sampling error")


class ScalingCheck(_Check):
    """An O(T) claim: run at a size where a T×T float64 matrix exceeds the memory limit."""

    kind: Literal["scaling"]
    name: str = Field(pattern=r"^[A-Za-z_]\w*$")
    reference: Ref = Field(description="the same computation, O(T), run by the grader")
    inputs: Ref = Field(description="(numpy.random.Generator, memory_bytes) -> ScalingCase")
    rtol: float = 1e-6
    atol: float = 1e-8


class RunsCheck(_Check):
    """The cells tagged `tag` ran without error."""

    kind: Literal["runs"]
    tag: str


class ManualCheck(_Check):
    """Graded by a person; pending until then."""

    kind: Literal["manual"]
    instructions: str | None = None


Check = Annotated[
    FunctionCheck | ValueCheck | ModelAccuracyCheck | ReportedAccuracyCheck | ScalingCheck
    | RunsCheck | ManualCheck,
    Field(discriminator="kind"),
]


class Question(_Model):
    id: str = Field(pattern=r"^[\w.\-]+$")
    title: str
    points: float = Field(ge=0)
    visibility: Visibility = "visible"
    checks: list[Check] = Field(min_length=1)

    @model_validator(mode="after")
    def _manual_alone(self) -> Question:
        kinds = {check.kind for check in self.checks}
        if "manual" in kinds and kinds != {"manual"}:
            raise ValueError("a manual check cannot share a question with automatic checks; "
                             "split it into a question of its own")
        return self

    @property
    def is_manual(self) -> bool:
        return self.checks[0].kind == "manual"


class Weights(_Model):
    """Heavy cells: trained weights a submission may carry instead of training in the sandbox."""

    file: str = Field(pattern=r"^[\w.\-]+$", description="artifact name, e.g. vit.pt")
    skip_tags: list[str] = Field(default_factory=lambda: ["train"],
                                 description="cells with these tags are not run when it is given")
    variable: str = Field(pattern=r"^[A-Za-z_]\w*$",
                          description="the notebook variable the state_dict is loaded into "
                                      "(torch.load with weights_only=True, in the sandbox)")


class Rubric(_Model):
    id: str = Field(pattern=r"^[\w.\-]+$")
    title: str
    total_points: float | None = Field(None, description="if given, must equal the sum")
    limits: Limits = Limits()
    questions: list[Question] = Field(min_length=1)
    weights: Weights | None = None
    kernel_preload: list[str] = Field(default_factory=list,
                                      description="modules the kernel imports before the "
                                                  "student's first cell (e.g. torch)")

    @model_validator(mode="after")
    def _consistent(self) -> Rubric:
        ids = [q.id for q in self.questions]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"question ids must be unique; repeated: {', '.join(dupes)}")
        for question in self.questions:
            for check in question.checks:
                if check.kind == "reported_accuracy" and check.against not in ids:
                    raise ValueError(f"question {question.id}: against={check.against!r} is "
                                     "not a question id")
        total = sum(q.points for q in self.questions)
        if self.total_points is not None and abs(total - self.total_points) > 1e-9:
            raise ValueError(f"questions add up to {total:g} points, total_points says "
                             f"{self.total_points:g}")
        return self

    @property
    def max_points(self) -> float:
        return sum(q.points for q in self.questions)

    @property
    def auto_points(self) -> float:
        return sum(q.points for q in self.questions if not q.is_manual)
