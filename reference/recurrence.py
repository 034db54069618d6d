"""The recurrence RNN of hw3-2022 Q1, hw3-2023 Q2, hw2-2025 Q1 (research/homework-content.md §1.2).

Weights: input→hidden 1, hidden→hidden −1, hidden→output 1000; linear hidden unit, sigmoid
output, h0 = 0. So h_T is the alternating sum and, for even length, the output is 1 when the sum
at even (1-indexed) positions exceeds the sum at odd positions, 0 when smaller, 0.5 on a tie.
"""

from __future__ import annotations

import math

import numpy as np

from grader.inputs import Case


def rnn_forward(x: list[int]) -> float:
    h = 0
    for x_t in x:
        h = 1 * x_t + (-1) * h
    return _sigmoid(1000.0 * h)


def rnn_property(x: list[int]) -> float:
    """The property the output computes, for even-length x (equal to rnn_forward there)."""
    even, odd = sum(x[1::2]), sum(x[0::2])
    return 1.0 if even > odd else 0.0 if even < odd else 0.5


def _sigmoid(z: float) -> float:
    # stable both ways: math.exp(1000) overflows
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _sequence(rng: np.random.Generator, length: int, *, tie: bool) -> list[int]:
    x = [int(v) for v in rng.integers(-5, 6, size=length)]
    if tie:  # move the last (even) position so both sums agree
        x[-1] += sum(x[0::2]) - sum(x[1::2])
    return x


def sequence_cases(rng: np.random.Generator, *, long_length: int = 1000,
                   n_hidden: int = 14) -> list[Case]:
    visible = [Case(([1, 2],), visible=True), Case(([2, 1],), visible=True),
               Case(([3, 3],), visible=True)]
    hidden = []
    for i in range(n_hidden):
        length = 2 * int(rng.integers(1, 40))
        hidden.append(Case((_sequence(rng, length, tie=i % 3 == 0),)))
    hidden += [Case((_sequence(rng, long_length, tie=False),)),
               Case((_sequence(rng, long_length, tie=True),))]
    return visible + hidden


def long_sequence_cases(rng: np.random.Generator) -> list[Case]:
    """hw2-2025: every hidden sequence has length 1000."""
    visible = [Case(([1, 2],), visible=True), Case(([3, 3],), visible=True)]
    return visible + [Case((_sequence(rng, 1000, tie=i % 3 == 0),)) for i in range(12)]
