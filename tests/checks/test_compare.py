"""Layered comparison: exists → type → shape → values, each saying got and expected."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checks.compare import compare
from grader.probes.wire import Answer


def ok(value):
    return Answer(status="ok", value=value)


@pytest.mark.parametrize("expected, got, reason", [
    (10, 11, "expected 10, got 11"),
    (10, "10", "expected a number, got a string '10'"),
    (10, None, "expected a number, got None"),
    (10, True, "expected a number, got a bool True"),
    ([1, 2], [1, 2, 3], "expected 2 items, got 3"),
    ((0.5, 1.0), [0.5, 2.0], "item 1: expected 1.0, got 2.0"),
    (np.zeros((2, 2)), np.zeros((2, 3)), "expected shape (2, 2), got shape (2, 3)"),
    (np.eye(2, dtype=bool), np.eye(2), "expected a boolean array, got dtype float64"),
    (np.eye(2, dtype=bool), np.ones((2, 2), dtype=bool),
     "2 of 4 entries differ; first at (0, 1): expected False, got True"),
    ({"a": 1}, {"b": 1}, "keys differ (missing: a; unexpected: b)"),
])
def test_wrong_answers_say_what_was_expected(expected, got, reason):
    verdict = compare(expected, ok(got))
    assert not verdict.ok
    assert verdict.reason == reason


def test_integral_float_equals_int_and_allclose_tolerates_rounding():
    assert compare(55, ok(55.0)).ok
    assert compare(0.1 + 0.2, ok(0.3), mode="allclose").ok
    assert not compare(0.1 + 0.2, ok(0.3001), mode="allclose").ok


def test_lists_are_accepted_for_arrays_and_tuples():
    assert compare(np.array([1, 2]), ok([1, 2])).ok
    assert compare((1.0, 2.0), ok([1.0, 2.0])).ok


@pytest.mark.parametrize("answer, reason", [
    (Answer("missing"), "`the function` is not defined in the notebook"),
    (Answer("error", error="ZeroDivisionError", message="division by zero"),
     "raised ZeroDivisionError: division by zero"),
    (Answer("timeout"), "did not return within the time limit per call"),
])
def test_failed_calls_explain_themselves(answer, reason):
    assert compare(1, answer).reason == reason


def test_custom_comparison():
    within_factor = lambda got, expected: (expected / 2 <= got <= expected * 2, "off")  # noqa: E731
    assert compare(10, ok(15), custom=within_factor).ok
    assert compare(10, ok(50), custom=within_factor).reason == "off"
