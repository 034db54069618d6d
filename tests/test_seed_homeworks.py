"""The four seed homeworks added after hw3-2022, each graded in a real kernel in the sandbox.

For each: the solution gets every automatic point, the starter runs and gets none (its feedback
names what is missing), and for each automatic question a plausible wrong answer (a cell
appended to the solution, as a student's mistake would be) costs that question and no other.
"""

from __future__ import annotations

import pytest

from grader.rubric.loader import load_rubric
from tests.conftest import REPO
from tests.factories import append_cell, edit, grade, read_notebook, solution, without_cells
from tests.standins import with_table

pytestmark = pytest.mark.sandbox

# The handouts' totals (../shared/seeds/): what the rubric must add up to.
HANDOUT_TOTALS = {"hw4-2020": 10, "hw4-2021": 10, "hw3-2022": 100, "hw3-2023": 15,
                  "hw2-2025": 15}
SEEDS = ["hw4-2020", "hw4-2021", "hw3-2023", "hw2-2025"]

RNN2D_WRONG = {
    "params": "def rnn2d_num_params(c, h):\n    return h * c + h * h  # one recurrent matrix\n",
    "ops": "def rnn2d_num_ops(n, c, h):\n    return n ** 3 * h * (h + c)  # cubic in n\n",
}
# Wrong training functions are appended after the solution trained its own model with the right
# ones: otherwise a wrong `train` also makes the predictor worse (a real, separate loss).
LINEAGE_A_WRONG = {
    "train_epoch": "def train_epoch(model, loader, loss_fn, optimizer, device, scheduler, n):\n"
                   "    model.train()\n    losses, correct = [], 0\n"
                   "    for d in loader:\n"
                   "        mask = d['attention_mask']\n"
                   "        out = model(input_ids=d['input_ids'], attention_mask=mask)\n"
                   "        loss = loss_fn(out, d['targets'])\n"
                   "        correct += (out.argmax(1) == d['targets']).sum()\n"
                   "        losses.append(loss.item())\n        loss.backward()\n"
                   "        optimizer.step()  # no clipping, no scheduler\n"
                   "        optimizer.zero_grad()\n"
                   "    return correct.double() / n, np.mean(losses)\n",
    "eval_model": "def eval_model(model, loader, loss_fn, device, n):\n"
                  "    losses, correct = [], 0  # neither eval mode nor no_grad\n"
                  "    for d in loader:\n"
                  "        mask = d['attention_mask']\n"
                  "        out = model(input_ids=d['input_ids'], attention_mask=mask)\n"
                  "        losses.append(loss_fn(out, d['targets']).item())\n"
                  "        correct += (out.argmax(1) == d['targets']).sum()\n"
                  "    return correct.double() / n, np.mean(losses)\n",
    "predict": "def predict_review(texts):\n    return ['positive'] * len(texts)  # one class\n",
}
RECURRENCE_WRONG = ("def rnn_forward(x):\n    return 1.0 / (1.0 + math.exp(-1000.0 * sum(x)))\n"
                    "def rnn_property(x):\n    return 1.0 if sum(x) > 0 else 0.0\n")
LINEAGE_B_WRONG = {
    "4-binary_accuracy": "def binary_accuracy(preds, y):\n"
                         "    return (torch.round(preds) == y).float().mean()  # no sigmoid\n",
    "4-train": "def train(model, iterator, optimizer, criterion):\n"
               "    model.train()\n    total_loss = total_acc = 0.0\n"
               "    for batch in iterator:  # no optimizer.zero_grad(): gradients pile up\n"
               "        predictions = model(batch.text).squeeze(1)\n"
               "        loss = criterion(predictions, batch.label)\n"
               "        loss.backward()\n        optimizer.step()\n"
               "        total_loss += loss.item()\n"
               "        total_acc += binary_accuracy(predictions, batch.label).item()\n"
               "    return total_loss / len(iterator), total_acc / len(iterator)\n",
    "4-evaluate": "def evaluate(model, iterator, criterion):\n"
                  "    total_loss = total_acc = 0.0  # neither eval mode nor no_grad\n"
                  "    for batch in iterator:\n"
                  "        predictions = model(batch.text).squeeze(1)\n"
                  "        total_loss += criterion(predictions, batch.label).item()\n"
                  "        total_acc += binary_accuracy(predictions, batch.label).item()\n"
                  "    return total_loss / len(iterator), total_acc / len(iterator)\n",
    "4-predict": "def predict_sentiment_batch(texts):\n    return [0.9] * len(texts)\n",
    "4-count_parameters": "def count_parameters(model):\n"
                          "    return sum(p.numel() for p in model.parameters())  # frozen too\n",
}

WRONG: dict[str, dict[str, str | tuple[str, str]]] = {
    "hw4-2020": {
        "1a": "def count_dot_products_causal(n):\n    return n * n // 2\n"
              "def attention_mask_causal(n):\n    return np.tril(np.ones((n, n), bool), -1)\n",
        "1b": "def count_dot_products_strided(n, t):\n    return n * (t + 1)\n"
              "def attention_mask_strided(n, t):\n    i, j = np.indices((n, n))\n"
              "    return (j < i) & (i - j <= t)\n",
        "1c": "def count_dot_products_windowed(n, w):\n    return n * w\n"
              "def attention_mask_windowed(n, w):\n    i, j = np.indices((n, n))\n"
              "    return i // w == j // w\n",
        "2a": RNN2D_WRONG["params"], "2b": RNN2D_WRONG["ops"],
        "3-train_epoch": LINEAGE_A_WRONG["train_epoch"],
        "3-eval_model": LINEAGE_A_WRONG["eval_model"],
        "3-predict": LINEAGE_A_WRONG["predict"],
    },
    "hw4-2021": {
        "1a": RNN2D_WRONG["params"], "1b": RNN2D_WRONG["ops"],
        "3a-gradient": "def skipgram_grad(U, v, j):\n    p = _softmax(U @ v)\n    p[j] -= 1.0\n"
                       "    return -(U.T @ p)  # the log-likelihood's sign\n",
        "3b-sampled": ("    return d * (weights[:, None] * U[rows]).mean(axis=0)",
                       "    return (weights[:, None] * U[rows]).mean(axis=0)  # not rescaled"),
        "4-train_epoch": LINEAGE_A_WRONG["train_epoch"],
        "4-eval_model": LINEAGE_A_WRONG["eval_model"],
        "4-predict": LINEAGE_A_WRONG["predict"],
    },
    "hw3-2023": {
        "2-function": RECURRENCE_WRONG,
        "3a": "def token_norms(beta):\n    return (2 * beta, beta, 2 * beta)\n",
        "3b-function": "def self_attention(X):\n    s = X @ X.T / np.sqrt(X.shape[1])\n"
                       "    w = np.exp(s - s.max(1, keepdims=True))\n"
                       "    return (w / w.sum(1, keepdims=True)) @ X  # scaled\n",
        **LINEAGE_B_WRONG,
    },
    "hw2-2025": {
        "1-function": RECURRENCE_WRONG,
        "2-function": "def linear_attention(Q, K, V):\n"
                      "    return Q @ (K.T @ V)  # not normalised\n",
        "3-build_vit": "def build_vit(depth, heads):\n"
                       "    return ViT(patch_size=7, depth=depth, heads=heads)\n",
        **LINEAGE_B_WRONG,
    },
}


# A wrong model or table is graded with its own trained weights in tests/test_vit.py: an
# untrained model with an honest table loses 3-accuracy only, an overstated table 3-consistency.
ELSEWHERE = {"hw2-2025": {"3-accuracy", "3-consistency"}}


def _grade(hw, nb, bwrap, course_data):
    loaded = load_rubric(hw)
    data = {"data_dir": course_data.data_dir, "hidden": course_data.hidden}
    if loaded.rubric.weights is None:
        return grade(nb, loaded, bwrap, **data)
    # the ViT question: the good stand-in model as vit.pt and a truthful table
    nb = with_table(nb, {(4, 2): course_data.accuracy["good"]})
    return grade(nb, loaded, bwrap, assets={"vit.pt": course_data.weights["good"]}, **data)


def _auto(report):
    return {q.id: q for q in report.questions if q.status != "pending-manual"}


@pytest.mark.parametrize("hw", list(HANDOUT_TOTALS))
def test_rubric_total_is_the_handouts(hw):
    rubric = load_rubric(hw).rubric
    assert rubric.total_points == rubric.max_points == HANDOUT_TOTALS[hw]


@pytest.mark.parametrize("hw", SEEDS)
def test_every_automatic_question_has_a_wrong_variant_here(hw):
    rubric = load_rubric(hw).rubric
    assert {q.id for q in rubric.questions if not q.is_manual} == set(WRONG[hw]) | ELSEWHERE.get(
        hw, set())


@pytest.mark.parametrize("hw", SEEDS)
def test_solution_gets_every_automatic_point(hw, bwrap, course_data):
    loaded = load_rubric(hw)
    report = _grade(hw, solution(hw), bwrap, course_data)
    assert report.status == "ok", report.issues
    for q in _auto(report).values():
        assert (q.score, q.status) == (q.max_score, "passed"), (q.id, q.feedback)
    assert report.score == report.auto_max_score == loaded.rubric.auto_points
    assert report.pending_manual_points == HANDOUT_TOTALS[hw] - report.auto_max_score


@pytest.mark.parametrize("hw", SEEDS)
def test_starter_runs_and_scores_zero_naming_what_is_missing(hw, bwrap, course_data):
    loaded = load_rubric(hw)
    report = _grade(hw, read_notebook(REPO / "notebooks" / hw / "starter.ipynb"), bwrap,
                    course_data)
    assert report.status == "ok", report.issues  # the starter runs without error
    assert report.score == 0
    for question in loaded.rubric.questions:
        if question.is_manual:
            continue
        feedback = " ".join(_auto(report)[question.id].feedback)
        for check in question.checks:
            assert f"`{check.name}`" in feedback, feedback
            if check.kind != "reported_accuracy":  # the starter's table is an empty dict
                assert "returned None" in feedback, feedback


def _variants():
    for hw, wrong in WRONG.items():
        for qid, change in wrong.items():
            yield pytest.param(hw, qid, change, id=f"{hw}-{qid}")


# The cell of each solution that trains the sentiment predictor (5–15 s in the sandbox). A wrong
# answer elsewhere is graded without it, and its predictor question is left out of the
# comparison; the predictor's own wrong variant keeps it.
PREDICTOR_CELL = {"hw4-2020": ("def predict_review", "3-predict"),
                  "hw4-2021": ("def predict_review", "4-predict"),
                  "hw3-2023": ("def predict_sentiment_batch", "4-predict"),
                  "hw2-2025": ("def predict_sentiment_batch", "4-predict")}


@pytest.mark.parametrize("hw, qid, change", list(_variants()))
def test_a_wrong_answer_costs_its_question_and_no_other(hw, qid, change, bwrap, course_data):
    nb = solution(hw)
    marker, predictor = PREDICTOR_CELL[hw]
    if qid != predictor:
        nb = without_cells(nb, marker)
    nb = edit(nb, *change) if isinstance(change, tuple) else append_cell(nb, change)
    report = _grade(hw, nb, bwrap, course_data)
    auto = _auto(report)
    if qid != predictor:
        assert auto.pop(predictor).score == 0  # left out above
    wrong = auto[qid]
    assert wrong.score < wrong.max_score and wrong.status in ("failed", "partial"), wrong.feedback
    assert wrong.feedback  # says what went wrong
    for other in auto.values():
        if other.id != qid:
            assert other.score == other.max_score, (other.id, other.feedback)
