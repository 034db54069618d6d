"""Every check kind end to end in the sandbox, on the toy rubric tests/data/rubrics/kinds.yaml."""

from __future__ import annotations

import pytest

from tests.factories import grade, make_notebook, question

pytestmark = pytest.mark.sandbox

SETUP = "import numpy as np"
TABLE = "answer_table = {(4, 2): 0.5, (6, 4): 0.75}"
LINEAR = ("def linear_attention(Q, K, V):\n"
          "    return (Q @ (K.T @ V)) / (Q @ K.sum(axis=0))[:, None]")
QUADRATIC = ("def linear_attention(Q, K, V):\n"
             "    S = Q @ K.T\n    return (S / S.sum(axis=1, keepdims=True)) @ V")


def notebook(predict: str, attention: str = LINEAR, table: str = TABLE, setup: str = SETUP):
    return make_notebook(setup, table, predict, attention, tags={0: ["setup"]})


def test_a_good_notebook_gets_every_automatic_point(kinds_rubric, bwrap):
    report = grade(notebook("def predict(X):\n    return (X[:, 0] > 0).astype(int)"),
                   kinds_rubric, bwrap)
    assert report.status == "ok", report.issues
    assert {q.id: q.score for q in report.questions} == {
        "value": 1, "runs": 1, "accuracy": 2, "linear": 1, "scaling": 1, "essay": 0}
    assert question(report, "essay").status == "pending-manual"
    assert question(report, "accuracy").feedback[0].startswith("measured accuracy 0.9")
    assert "ran at large size (Q: 16385×8" in question(report, "scaling").feedback[0]


def test_weak_answers_get_partial_or_no_credit_with_reasons(kinds_rubric, bwrap):
    # right on clear cases, a coin flip near the boundary: accuracy between the thresholds
    weak = ("def predict(X):\n    rng = np.random.default_rng(0)\n"
            "    sure = np.abs(X[:, 0]) > 2\n"
            "    return np.where(sure, X[:, 0] > 0, rng.integers(0, 2, len(X))).astype(int)")
    report = grade(notebook(weak, attention=QUADRATIC, table="answer_table = {(4, 2): 0.5}",
                            setup="import numpy as np\nraise ValueError('no GPU')"),
                   kinds_rubric, bwrap)
    accuracy = question(report, "accuracy")
    assert accuracy.status == "partial" and 0 < accuracy.score < 2, accuracy.feedback
    assert question(report, "runs").feedback == ["cell 1: error (ValueError: no GPU)"]
    assert question(report, "value").feedback == [
        "`answer_table`: keys differ (missing: (6, 4); unexpected: none)"]
    # the quadratic method is right on small inputs, and runs out of memory at scale
    assert question(report, "linear").score == 1
    scaling = question(report, "scaling")
    assert scaling.score == 0
    assert "used more than the 0.5 GiB memory limit" in scaling.feedback[0]
    assert report.issues[-1].kind == "memory_limit"


def test_an_untrained_model_gets_nothing_and_bad_shapes_are_explained(kinds_rubric, bwrap):
    report = grade(notebook("def predict(X):\n    return np.zeros(len(X), dtype=int)"),
                   kinds_rubric, bwrap)
    assert question(report, "accuracy").score == 0
    report = grade(notebook("def predict(X):\n    return [0.5] * len(X)"), kinds_rubric, bwrap)
    assert "must return 100 integer class labels" in question(report, "accuracy").feedback[0]
    report = grade(notebook("def predict(X):\n    return [0] * (len(X) - 1)"), kinds_rubric, bwrap)
    assert "must return 100 integer class labels; got shape (99,)" in \
        question(report, "accuracy").feedback[0]


def test_a_printed_accuracy_is_never_trusted(kinds_rubric, bwrap):
    liar = ("accuracy = 1.0\nprint('test accuracy: 100%')\n"
            "def predict(X):\n    return np.ones(len(X), dtype=int)")
    report = grade(notebook(liar), kinds_rubric, bwrap)
    assert question(report, "accuracy").score == 0
