"""Decode what the probes sent out of the sandbox: untrusted text in, plain data out.

Only `json.loads` and `numpy.load(allow_pickle=False)` ever touch it: nothing that leaves the
sandbox is unpickled, imported or executed. Anything malformed becomes a failed answer.
"""

from __future__ import annotations

import binascii
import json
from dataclasses import dataclass
from typing import Any

from grader.probes.kernel import decode

STATUSES = {"ok", "missing", "error", "timeout", "unsupported", "too_large"}


@dataclass(frozen=True)
class Answer:
    """What the student's code gave for one case."""

    status: str                 # one of STATUSES, or "invalid" / "absent" (set by the host)
    value: Any = None
    type_name: str | None = None
    error: str | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


ABSENT = Answer(status="absent")


def decode_answers(payloads: list[str], *, token: str, key: str, n_cases: int,
                   max_bytes: int) -> list[Answer]:
    """One Answer per case, in order; a case with no valid record gets ABSENT."""
    answers: list[Answer] = [ABSENT] * n_cases
    for text in payloads:
        if len(text) > max_bytes:
            continue
        try:
            record = json.loads(text)
        except (ValueError, RecursionError):
            continue
        if not isinstance(record, dict) or record.get("token") != token or record.get("key") != key:
            continue
        case = record.get("case")
        if not isinstance(case, int) or not 0 <= case < n_cases or answers[case] is not ABSENT:
            continue  # the first record for a case counts; later ones cannot overwrite it
        answers[case] = _answer(record)
    return answers


def _answer(record: dict[str, Any]) -> Answer:
    status = record.get("status")
    if status not in STATUSES:
        return Answer(status="invalid", message="the answer was malformed")
    text = {k: str(record[k])[:300] if record.get(k) is not None else None
            for k in ("type", "error", "message")}
    if status != "ok":
        return Answer(status=status, type_name=text["type"], error=text["error"],
                      message=text["message"])
    try:
        value = decode(record.get("value"))
    except (ValueError, TypeError, KeyError, binascii.Error, EOFError, RecursionError):
        return Answer(status="invalid", message="the answer could not be decoded")
    return Answer(status="ok", value=value, type_name=text["type"])
