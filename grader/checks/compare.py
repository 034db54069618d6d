"""Compare an answer with the expected value, in layers: exists → type → shape → values.

Runs in the grader's process on plain decoded data (ints, floats, str, lists, dicts, numpy
arrays), so no object of the student's can take part in the comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from grader.probes.wire import Answer


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""  # why not, in words a student can act on ("expected 26, got 32")


def explain_failed_answer(answer: Answer, name: str, why_absent: str | None = None) -> str:
    match answer.status:
        case "missing":
            return f"`{name}` is not defined in the notebook"
        case "error":
            return f"raised {answer.error}: {answer.message}"
        case "timeout":
            return "did not return within the time limit per call"
        case "unsupported":
            return answer.message or "returned a value that cannot be checked"
        case "too_large":
            return "returned an answer larger than the size limit"
        case "invalid":
            return "the answer came back malformed"
    return f"no answer came back ({why_absent or 'the check did not run'})"


def compare(expected: Any, answer: Answer, *, mode: str = "exact", rtol: float = 1e-6,
            atol: float = 1e-6, custom: Callable[[Any, Any], Any] | None = None) -> Verdict:
    if not answer.ok:
        return Verdict(False, explain_failed_answer(answer, "the function"))
    if custom is not None:
        if answer.value is None and expected is not None:
            return Verdict(False, f"expected {_show(expected)}, got None")
        try:
            result = custom(answer.value, expected)
        except Exception as exc:  # noqa: BLE001 - an odd answer must not crash the grader
            return Verdict(False, f"the answer {_show(answer.value)} could not be compared "
                                  f"({type(exc).__name__}: {exc})")
        ok, reason = result if isinstance(result, tuple) else (bool(result), "")
        return Verdict(bool(ok), reason or f"expected {_show(expected)}, got {_show(answer.value)}")
    return compare_values(expected, answer.value, exact=mode == "exact", rtol=rtol, atol=atol)


def compare_values(expected: Any, got: Any, *, exact: bool, rtol: float, atol: float) -> Verdict:
    kind = _kind(expected)
    got_kind = _kind(got)
    if kind == "number" and got_kind == "number":
        same = got == expected if exact else bool(np.isclose(got, expected, rtol=rtol, atol=atol))
        return Verdict(same, "" if same else f"expected {_show(expected)}, got {_show(got)}")
    if kind == "array" and got_kind in ("array", "sequence"):
        return _compare_arrays(np.asarray(expected), got, exact=exact, rtol=rtol, atol=atol)
    if kind == "sequence" and got_kind in ("sequence", "array"):
        got_list = list(got)
        if len(got_list) != len(expected):
            return Verdict(False, f"expected {len(expected)} items, got {len(got_list)}")
        for i, (e, g) in enumerate(zip(expected, got_list, strict=True)):
            verdict = compare_values(e, g, exact=exact, rtol=rtol, atol=atol)
            if not verdict.ok:
                return Verdict(False, f"item {i}: {verdict.reason}")
        return Verdict(True)
    if kind == "mapping" and got_kind == "mapping":
        if set(got) != set(expected):
            missing = sorted(map(str, set(expected) - set(got)))
            extra = sorted(map(str, set(got) - set(expected)))
            return Verdict(False, f"keys differ (missing: {', '.join(missing) or 'none'}; "
                                  f"unexpected: {', '.join(extra) or 'none'})")
        for k in expected:
            verdict = compare_values(expected[k], got[k], exact=exact, rtol=rtol, atol=atol)
            if not verdict.ok:
                return Verdict(False, f"[{k!r}]: {verdict.reason}")
        return Verdict(True)
    if kind == got_kind and kind in ("text", "bool", "none"):
        same = got == expected
        return Verdict(same, "" if same else f"expected {_show(expected)}, got {_show(got)}")
    got_text = "None" if got is None else f"{_type_word(got)} {_show(got)}"
    return Verdict(False, f"expected {_type_word(expected)}, got {got_text}")


def _compare_arrays(expected: np.ndarray, got: Any, *, exact: bool, rtol: float,
                    atol: float) -> Verdict:
    try:
        got_arr = np.asarray(got)
    except ValueError:
        return Verdict(False, f"expected an array of shape {expected.shape}, got a ragged list")
    if got_arr.shape != expected.shape:
        return Verdict(False, f"expected shape {expected.shape}, got shape {got_arr.shape}")
    if expected.dtype == bool and got_arr.dtype != bool:
        return Verdict(False, f"expected a boolean array, got dtype {got_arr.dtype}")
    if not (np.issubdtype(got_arr.dtype, np.number) or got_arr.dtype == bool):
        return Verdict(False, f"expected numbers, got dtype {got_arr.dtype}")
    if exact:
        wrong = got_arr != expected
    else:
        wrong = ~np.isclose(got_arr, expected, rtol=rtol, atol=atol, equal_nan=False)
    if not wrong.any():
        return Verdict(True)
    first = tuple(int(i) for i in np.argwhere(wrong)[0])
    return Verdict(False, f"{int(wrong.sum())} of {wrong.size} entries differ; first at "
                          f"{first}: expected {_show(expected[first])}, "
                          f"got {_show(got_arr[first])}")


def _kind(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (Integral, Real)):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, np.ndarray):
        return "array"
    if isinstance(value, (list, tuple)):
        return "sequence"
    if isinstance(value, dict):
        return "mapping"
    return "other"


def _type_word(value: Any) -> str:
    return {"none": "None", "bool": "a bool", "number": "a number", "text": "a string",
            "array": "an array", "sequence": "a list", "mapping": "a dict"}.get(_kind(value),
                                                                              type(value).__name__)


def _show(value: Any, limit: int = 60) -> str:
    if isinstance(value, np.ndarray):
        text = f"array(shape={value.shape}, dtype={value.dtype})"
    elif isinstance(value, np.generic):
        text = repr(value.item())
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
