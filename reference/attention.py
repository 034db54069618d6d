"""Attention dot-product counts (hw4-2020 Q1, hw3-2022 Q4). A token attends to itself and earlier
tokens; one dot product per (query, key) pair. Closed forms verified by explicit mask counting
(research/homework-content.md §2.1; tests/test_reference.py repeats that check).
"""

from __future__ import annotations

import numpy as np

from grader.inputs import Case


def count_dot_products_causal(n: int) -> int:
    return n * (n + 1) // 2


def count_dot_products_strided(n: int, t: int) -> int:
    """At most t previous positions plus itself; t >= n-1 is the causal count."""
    t = min(t, n - 1)
    return (t + 1) * n - t * (t + 1) // 2


def count_dot_products_windowed(n: int, w: int) -> int:
    """Windows of w (w divides n), causal inside each window."""
    return n * (w + 1) // 2


def attention_mask_causal(n: int) -> np.ndarray:
    return np.tril(np.ones((n, n), dtype=bool))


def attention_mask_strided(n: int, t: int) -> np.ndarray:
    i, j = np.indices((n, n))
    return (j <= i) & (i - j <= t)


def attention_mask_windowed(n: int, w: int) -> np.ndarray:
    i, j = np.indices((n, n))
    return (j <= i) & (i // w == j // w)


def _ints(rng: np.random.Generator, low: int, high: int, size: int) -> list[int]:
    return [int(v) for v in rng.integers(low, high, size=size)]


def causal_cases(rng: np.random.Generator) -> list[Case]:
    visible = [Case((1,), visible=True), Case((2,), visible=True)]
    hidden = [Case((n,)) for n in _ints(rng, 3, 100, 4) + _ints(rng, 100, 10**6, 5)]
    return visible + hidden + [Case((1000,))]


def strided_cases(rng: np.random.Generator) -> list[Case]:
    visible = [Case((5, 0), visible=True),    # t = 0: itself only
               Case((4, 10), visible=True)]   # t >= n-1: same as causal
    hidden = []
    for n in _ints(rng, 3, 5000, 6):
        hidden.append(Case((n, int(rng.integers(1, n - 1)))))
    n = int(rng.integers(10, 1000))
    hidden += [Case((n, 0)), Case((n, n - 1)), Case((n, n + int(rng.integers(1, 50)))),
               Case((n, n - 2)), Case((1, int(rng.integers(0, 5))))]
    return visible + hidden


def windowed_cases(rng: np.random.Generator) -> list[Case]:
    visible = [Case((6, 1), visible=True),    # w = 1: itself only
               Case((6, 6), visible=True)]    # w = n: same as causal
    hidden = []
    for w, k in zip(_ints(rng, 2, 65, 6), _ints(rng, 2, 100, 6), strict=True):
        hidden.append(Case((w * k, w)))
    n = int(rng.integers(2, 500))
    hidden += [Case((n, 1)), Case((n, n))]
    return visible + hidden


def mask_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((1,), visible=True)] + [Case((n,)) for n in _ints(rng, 2, 40, 5)]


def strided_mask_cases(rng: np.random.Generator) -> list[Case]:
    visible = [Case((4, 1), visible=True)]
    hidden = [Case((n, int(rng.integers(1, n - 1)))) for n in _ints(rng, 3, 40, 4)]
    n = int(rng.integers(5, 30))
    return visible + hidden + [Case((n, 0)), Case((n, n - 1)), Case((n, n + 3))]


def windowed_mask_cases(rng: np.random.Generator) -> list[Case]:
    visible = [Case((4, 2), visible=True)]
    hidden = [Case((w * k, w)) for w, k in zip(_ints(rng, 2, 8, 4), _ints(rng, 2, 6, 4),
                                               strict=True)]
    n = int(rng.integers(3, 30))
    return visible + hidden + [Case((n, 1)), Case((n, n))]
