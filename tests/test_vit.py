"""hw2-2025 Q3, the ViT path end to end on CPU: real (shipped) image data, trained weights
uploaded as vit.pt, accuracy measured by the grader on hidden test images.

The stand-in is scikit-learn's digits in FashionMNIST's layout (tests/standins.py); the models
are the solution notebook's architecture trained on it by the `course_data` fixture.
"""

from __future__ import annotations

import pickle

import pytest

from grader.rubric.loader import load_rubric
from tests.factories import (
    append_cell,
    grade,
    question,
    read_notebook,
    solution,
    without_cells,
)
from tests.standins import with_table

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def hw2_2025():
    return load_rubric("hw2-2025")


def _grade(nb, rubric, bwrap, course_data, weights=None, **kw):
    # Q4's sentiment model is not what these tests are about: leave its training cell out
    nb = without_cells(nb, "def predict_sentiment_batch")
    assets = {"vit.pt": weights} if weights is not None else {}
    return grade(nb, rubric, bwrap, assets=assets, data_dir=course_data.data_dir,
                 hidden=course_data.hidden, **kw)


def test_good_model_gets_full_accuracy_credit_and_training_is_skipped(hw2_2025, bwrap,
                                                                      course_data):
    honest = with_table(solution("hw2-2025"), {(4, 2): course_data.accuracy["good"]})
    report = _grade(honest, hw2_2025, bwrap, course_data, course_data.weights["good"])
    assert report.status == "ok", report.issues
    for qid, points in (("3-build_vit", 1), ("3-accuracy", 1.5), ("3-consistency", 0.5)):
        q = question(report, qid)
        assert (q.score, q.status) == (points, "passed"), q.feedback
    assert "measured accuracy 0.9" in question(report, "3-accuracy").feedback[0]
    assert "they agree" in question(report, "3-consistency").feedback[0]


def test_train_cells_are_replaced_by_the_graders_weights_only_load(hw2_2025, bwrap, course_data,
                                                                   tmp_path):
    executed = tmp_path / "executed.ipynb"
    _grade(solution("hw2-2025"), hw2_2025, bwrap, course_data, course_data.weights["good"],
           executed_out=executed)
    cells = read_notebook(executed).cells
    train = [c for c in cells if "train" in c.metadata.get("tags", [])]
    assert len(train) == 1
    assert "The grader ran this cell instead of the cells tagged train" in train[0].source
    assert "weights_only=True" in train[0].source
    assert not any("validation accuracy" in str(c.get("outputs")) for c in cells)


def test_weak_model_gets_partial_credit_untrained_none(hw2_2025, bwrap, course_data):
    for name in ("weak", "untrained"):
        honest = with_table(solution("hw2-2025"), {(4, 2): course_data.accuracy[name]})
        report = _grade(honest, hw2_2025, bwrap, course_data, course_data.weights[name])
        accuracy = question(report, "3-accuracy")
        expected = max(0.0, min(1.0, (course_data.accuracy[name] - 0.70) / 0.15)) * 1.5
        assert accuracy.score == pytest.approx(expected, abs=0.01), accuracy.feedback
        if name == "weak":
            assert 0 < accuracy.score < 1.5 and accuracy.status == "partial"
        else:
            assert accuracy.score == 0 and accuracy.status == "failed"
        # an honest table of a bad model keeps the consistency points: only 3-accuracy is lost
        assert question(report, "3-consistency").score == 0.5
        assert question(report, "3-build_vit").score == 1


def test_a_table_that_overstates_the_model_loses_the_consistency_points(hw2_2025, bwrap,
                                                                        course_data):
    inflated = {(4, 2): course_data.accuracy["weak"] + 0.10, (8, 4): 0.5}
    report = _grade(with_table(solution("hw2-2025"), inflated), hw2_2025, bwrap, course_data,
                    course_data.weights["weak"])
    consistency = question(report, "3-consistency")
    assert consistency.score == 0
    assert "overstates the submitted model's accuracy by 10.0 points" in consistency.feedback[0]
    assert question(report, "3-accuracy").score > 0  # measured as usual


def test_a_vit_pt_whose_pickle_runs_code_is_refused(hw2_2025, bwrap, course_data, public_tmp):
    marker = "/tmp/owned-by-vit-pt"

    class Exploit:
        def __reduce__(self):
            return (exec, (f"open({marker!r}, 'w').write('pwned')",))

    evil = public_tmp / "vit.pt"
    evil.write_bytes(pickle.dumps({"weights": Exploit()}))
    evil.chmod(0o644)
    report = _grade(with_table(solution("hw2-2025"), {(4, 2): 0.9}), hw2_2025, bwrap,
                    course_data, evil)
    messages = " ".join(issue.message for issue in report.issues)
    assert "vit.pt was refused" in messages and "weights_only=True" in messages
    assert question(report, "3-accuracy").score == 0
    # the rest of the notebook is still graded
    assert question(report, "1-function").score == 1.5
    # and the code never ran: not in the sandbox (the file would be in its private /tmp,
    # so ask the kernel), not here
    probe = append_cell(with_table(solution("hw2-2025"), {}),
                        f"import os\nprint('exists', os.path.exists({marker!r}))")
    executed = public_tmp / "out.ipynb"
    _grade(probe, hw2_2025, bwrap, course_data, evil, executed_out=executed)
    last = read_notebook(executed).cells[-1]
    assert "exists False" in "".join(o.get("text", "") for o in last.outputs)


@pytest.mark.slow
def test_without_vit_pt_the_train_cells_run_in_the_sandbox(hw2_2025, bwrap, course_data):
    """The student path without uploaded weights: the solution trains on GRADER_DATA."""
    report = _grade(solution("hw2-2025"), hw2_2025, bwrap, course_data)
    assert report.status == "ok", report.issues
    for qid in ("3-build_vit", "3-accuracy", "3-consistency"):
        q = question(report, qid)
        assert q.score == q.max_score, (qid, q.feedback)
