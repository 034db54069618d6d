"""Self-attention copying (hw3-2023 Q3): x_i = q_i = k_i = v_i, no 1/√d scaling
(research/homework-content.md §2.4)."""

from __future__ import annotations

import math

import numpy as np

from grader.inputs import Case


def self_attention(X: np.ndarray) -> np.ndarray:  # noqa: N803
    """Row-wise softmax(X Xᵀ) X, computed stably."""
    scores = X @ X.T
    scores = scores - scores.max(axis=1, keepdims=True)
    weights = np.exp(scores)
    return (weights / weights.sum(axis=1, keepdims=True)) @ X


def token_norms(beta: float) -> tuple[float, float, float]:
    """‖x1‖, ‖x2‖, ‖x3‖ for x1 = d + b, x2 = a, x3 = c + b with a, b, c, d orthogonal of norm β."""
    return (math.sqrt(2) * beta, float(beta), math.sqrt(2) * beta)


def beta_example(beta: float, dim: int = 4) -> np.ndarray:
    """The handout's three tokens in the standard basis scaled by β: rows x1, x2, x3."""
    a, b, c, d = (beta * np.eye(dim)[k] for k in range(4))
    return np.stack([d + b, a, c + b])


def norm_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((1.0,), visible=True)] + [Case((float(b),)) for b in rng.uniform(0.1, 20, 6)]


def attention_cases(rng: np.random.Generator) -> list[Case]:
    visible = [Case((np.eye(2),), visible=True)]
    hidden = [Case((rng.normal(size=(int(n), int(d))),))
              for n, d in rng.integers(1, 12, size=(6, 2))]
    hidden += [Case((beta_example(float(beta)),)) for beta in (0.5, 2.0, 10.0)]
    return visible + hidden
