"""hw3-2022 end to end, each test a real kernel in the real sandbox."""

from __future__ import annotations

import pytest

from tests.conftest import REPO
from tests.factories import append_cell, edit, grade, question, read_notebook, solution

pytestmark = pytest.mark.sandbox

AUTO = {"1-function": 15, "4.1": 10, "4.2": 10, "4.3": 10}
MANUAL = {"1-written": 15, "2": 20, "3.1": 10, "3.2": 10}


def test_solution_gets_every_automatic_point_and_the_rest_is_pending(hw3_2022, bwrap):
    report = grade(solution("hw3-2022"), hw3_2022, bwrap)
    assert report.status == "ok", report.issues
    assert (report.score, report.auto_max_score, report.max_score) == (45, 45, 100)
    assert report.pending_manual_points == 55
    for qid, points in AUTO.items():
        q = question(report, qid)
        assert (q.score, q.status) == (points, "passed"), q.feedback
    for qid, points in MANUAL.items():
        q = question(report, qid)
        assert (q.score, q.max_score, q.status) == (0, points, "pending-manual")


def test_starter_scores_zero_and_names_the_unimplemented_functions(hw3_2022, bwrap):
    report = grade(read_notebook(REPO / "notebooks/hw3-2022/starter.ipynb"), hw3_2022, bwrap)
    assert report.status == "ok"  # the starter runs without error
    assert report.score == 0
    assert "`count_dot_products_strided` returned None for every case: is it implemented?" \
        in question(report, "4.2").feedback


@pytest.mark.parametrize("qid, old, new", [
    ("4.1", "return n * (n + 1) // 2", "return n * n // 2"),
    ("4.2", "return (t + 1) * n - t * (t + 1) // 2", "return n * (t + 1)"),
    ("4.3", "return (n // w) * w * (w + 1) // 2", "return n * w"),
])
def test_one_wrong_count_loses_exactly_that_question(hw3_2022, bwrap, qid, old, new):
    report = grade(edit(solution("hw3-2022"), old, new), hw3_2022, bwrap)
    assert report.score == 45 - 10
    wrong = question(report, qid)
    assert wrong.status in ("failed", "partial") and wrong.score < 10
    assert all(question(report, other).score == 10 for other in ("4.1", "4.2", "4.3")
               if other != qid)
    assert question(report, "1-function").score == 15


def test_naive_strided_count_fails_and_shows_the_visible_edge_case(hw3_2022, bwrap):
    report = grade(edit(solution("hw3-2022"), "t = min(t, n - 1)\n", "\n"), hw3_2022, bwrap)
    q = question(report, "4.2")
    # t >= n-1 must be capped: the visible case (4, 10) says so, with expected and got
    assert "count_dot_products_strided(4, 10): expected 10, got -11" in q.feedback
    assert any(line.startswith("`count_dot_products_strided`: hidden cases:")
               for line in q.feedback)


def test_a_syntax_error_in_one_cell_leaves_the_other_questions_graded(hw3_2022, bwrap):
    nb = edit(solution("hw3-2022"), "def rnn_forward(x: list[int]) -> float:",
              "def rnn_forward(x: list[int]) -> float:\n    return (")
    report = grade(nb, hw3_2022, bwrap)
    assert report.status == "error"
    assert [i.kind for i in report.issues] == ["cell_error", "cell_error"]  # + the examples cell
    assert "raised SyntaxError" in report.issues[0].message
    assert question(report, "1-function").score == 0
    assert "`rnn_forward` is not defined in the notebook" in question(report, "1-function").feedback
    assert report.score == 30  # Q4 untouched


def test_an_answer_whose_eq_is_always_true_gets_no_credit(hw3_2022, bwrap):
    liar = ("class Always:\n"
            "    def __eq__(self, other): return True\n"
            "    def __ne__(self, other): return False\n"
            "class AlwaysInt(int):\n"
            "    def __eq__(self, other): return True\n"
            "def count_dot_products_causal(n: int) -> int:\n    return Always()\n"
            "def count_dot_products_strided(n: int, t: int) -> int:\n    return AlwaysInt(0)\n")
    report = grade(append_cell(solution("hw3-2022"), liar), hw3_2022, bwrap)
    causal, strided = question(report, "4.1"), question(report, "4.2")
    assert causal.score == 0 and strided.score == 0
    assert any("cannot be checked" in line and "Always" in line for line in causal.feedback)
    assert "count_dot_products_strided(5, 0): expected 5, got 0" in strided.feedback
    assert report.score == 25


def test_hard_coding_the_starter_examples_fails_the_hidden_cases(hw3_2022, bwrap):
    cheat = ("def count_dot_products_causal(n): return {4: 10}.get(n, 0)\n"
             "def count_dot_products_strided(n, t): return {(8, 3): 26}.get((n, t), 0)\n"
             "def count_dot_products_windowed(n, w): return {(8, 4): 20}.get((n, w), 0)\n")
    report = grade(append_cell(solution("hw3-2022"), cheat), hw3_2022, bwrap)
    for qid in ("4.1", "4.2", "4.3"):
        q = question(report, qid)
        assert q.score == 0, q.feedback
        assert any("hidden cases: 0 of" in line for line in q.feedback)


def test_hidden_cases_depend_on_the_seed_and_never_show_their_inputs(hw3_2022, bwrap):
    nb = edit(solution("hw3-2022"), "return n * (n + 1) // 2",
              "return n * (n + 1) // 2 if n < 3 else -1")
    first, second = (grade(nb, hw3_2022, bwrap, seed=s) for s in (1, 2))
    for report in (first, second):
        q = question(report, "4.1")
        assert q.score == 0  # all or nothing: two visible cases pass, no hidden one
        assert q.feedback == ["`count_dot_products_causal`: hidden cases: 0 of 10 passed "
                              "(10 wrong)"]
    from grader.inputs import check_rng
    from reference.attention import causal_cases
    assert causal_cases(check_rng(1, "4.1#0")) != causal_cases(check_rng(2, "4.1#0"))
