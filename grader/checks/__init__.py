"""Check kinds, one module each, named after the YAML `kind` (see `checks/base.py`)."""

from __future__ import annotations

from types import ModuleType

from grader.checks import (
    function,
    manual,
    model_accuracy,
    reported_accuracy,
    runs,
    scaling,
    value,
)

CHECKS: dict[str, ModuleType] = {
    "function": function,
    "value": value,
    "model_accuracy": model_accuracy,
    "reported_accuracy": reported_accuracy,
    "scaling": scaling,
    "runs": runs,
    "manual": manual,
}

# Checks whose probe may kill the kernel on purpose (a quadratic method running out of memory)
# or take long: their probe cells run after every other probe.
RUN_LAST = ("scaling", "model_accuracy")
# Checks that read what another check measured: evaluated after all others.
EVALUATE_LAST = ("reported_accuracy",)
