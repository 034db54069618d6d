"""Linear attention in O(T) (hw2-2025 Q2; an accepted answer for hw4-2021 Q2).

Row-normalised (Q Kᵀ) V without exponentials, computed as Q (Kᵀ V) / Q (Kᵀ 1): O(T d d_v) time
and O(T) memory, never the T×T matrix.
"""

from __future__ import annotations

import math

import numpy as np

from grader.inputs import Case, ScalingCase


def linear_attention(Q: np.ndarray, K: np.ndarray, V: np.ndarray) -> np.ndarray:  # noqa: N803
    kv = K.T @ V                      # d × d_v
    normaliser = Q @ K.sum(axis=0)    # T
    return (Q @ kv) / normaliser[:, None]


def quadratic_attention(Q: np.ndarray, K: np.ndarray, V: np.ndarray) -> np.ndarray:  # noqa: N803
    scores = Q @ K.T
    return (scores / scores.sum(axis=1, keepdims=True)) @ V


def small_cases(rng: np.random.Generator) -> list[Case]:
    """Positive inputs, so every normaliser is positive."""
    visible = [Case((np.ones((2, 2)), np.ones((2, 2)), np.arange(4.0).reshape(2, 2)),
                    visible=True)]
    hidden = []
    for _ in range(6):
        t, d, dv = (int(v) for v in rng.integers(1, 40, size=3))
        hidden.append(Case(tuple(rng.uniform(0.1, 1.0, size=s) for s in ((t, d), (t, d), (t, dv)))))
    return visible + hidden


def scaling_case(rng: np.random.Generator, memory_bytes: int) -> ScalingCase:
    """T such that one T×T float64 matrix needs four times the memory limit."""
    t = 2 * math.isqrt(memory_bytes // 8) + 1
    d, dv = 8, 4
    rows = sorted(int(r) for r in rng.choice(t, size=16, replace=False))
    return ScalingCase(seed=int(rng.integers(2**31)), shapes={"Q": (t, d), "K": (t, d),
                                                               "V": (t, dv)}, rows=rows)
