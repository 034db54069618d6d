"""2D RNN for images (hw4-2020 Q2, hw4-2021 Q1): h[i,j] = σ(W_in x[i,j] + W_left h[i-1,j] +
W_top h[i,j-1]), c input channels, hidden size h, no bias (research/homework-content.md §2.2).
"""

from __future__ import annotations

import numpy as np

from grader.inputs import Case

# rnn2d_num_ops is accepted within this band of n²h(h+c). Hidden cases have n ≥ 16, where a
# count cubic in n is at least 8× too large and one linear in n at most 1/16 of it.
OPS_BAND = (0.25, 8.0)


def rnn2d_num_params(c: int, h: int) -> int:
    return h * c + 2 * h * h


def rnn2d_num_ops(n: int, c: int, h: int) -> int:
    """Adds and multiplies with zero padding: 3 mat-vecs and 2h combining adds per position."""
    return n * n * (4 * h * h + 2 * h * c - h)


def ops_within_band(got: float, expected: float) -> tuple[bool, str]:
    """Any count within a constant factor of n²h(h+c) (custom compare for rnn2d_num_ops)."""
    scale = expected / 2  # expected = n²(4h² + 2hc − h) ≈ 2·n²h(h+c)
    ratio = got / scale if scale else float("inf")
    low, high = OPS_BAND
    if low <= ratio <= high:
        return True, ""
    return False, (f"got {got:g}, which is {ratio:.3g}× n²h(h+c); a count within "
                   f"{low:g}–{high:g}× of it is accepted")


def params_cases(rng: np.random.Generator) -> list[Case]:
    visible = [Case((1, 1), visible=True), Case((3, 2), visible=True)]
    return visible + [Case((int(c), int(h))) for c, h in rng.integers(1, 300, size=(8, 2))]


def ops_cases(rng: np.random.Generator) -> list[Case]:
    cases = [Case((2, 1, 1), visible=True), Case((16, 3, 4), visible=True)]
    for n, c, h in zip(rng.integers(16, 65, 8), rng.integers(1, 64, 8), rng.integers(1, 64, 8),
                       strict=True):
        cases.append(Case((int(n), int(c), int(h))))
    return cases


def count_ops_explicitly(n: int, c: int, h: int) -> int:
    """Brute force: walk the grid and count scalar adds and multiplies (for the tests)."""
    ops = 0
    for _i in range(n):
        for _j in range(n):
            ops += h * (2 * c - 1)          # W_in x
            ops += 2 * h * (2 * h - 1)      # W_left h and W_top h (zero-padded at borders)
            ops += 2 * h                    # the three terms added
    return ops
