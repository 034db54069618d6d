"""Hidden cases, drawn per submission from a seed, in the grader's process only.

Reference generators in `reference/` take a `numpy.random.Generator` and return `Case`s (or a
`ScalingCase`, or a dataset). Each check gets its own generator derived from the submission's
seed and the check's key, so adding a question never changes another question's cases.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Case:
    """One call: `name(*args, **kwargs)`. Visible cases may be shown in feedback."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    visible: bool = False

    def call_text(self, name: str) -> str:
        parts = [_short(a) for a in self.args]
        parts += [f"{k}={_short(v)}" for k, v in self.kwargs.items()]
        return f"{name}({', '.join(parts)})"


@dataclass(frozen=True)
class ScalingCase:
    """Inputs too large to ship: the kernel and the grader both draw them from `seed`.

    Arrays are drawn in the order of `shapes`, uniform in [low, high), float64; the kernel
    returns only `rows` of the output, which the grader compares with the reference's rows.
    """

    seed: int
    shapes: dict[str, tuple[int, ...]]
    rows: list[int]
    low: float = 0.1
    high: float = 1.0

    def arrays(self) -> list[np.ndarray]:
        rng = np.random.default_rng(self.seed)
        return [rng.uniform(self.low, self.high, size=shape) for shape in self.shapes.values()]


def check_rng(seed: int, key: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(key.encode())])


def _short(value: Any, limit: int = 80) -> str:
    if isinstance(value, np.ndarray):
        text = f"array(shape={value.shape}, dtype={value.dtype})"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
