"""The sentiment notebooks' functions (research/homework-content.md §1.4).

Lineage A (hw4-2020 Q3, hw4-2021 Q4: BERT on app reviews, 3 classes): `train_epoch`,
`eval_model`. Lineage B (hw3-2023 Q4, hw2-2025 Q4: IMDB, frozen BERT + GRU): `binary_accuracy`,
`train`, `evaluate`, `count_parameters`. They are checked on stand-ins built by
`reference/harness_sentiment.py`; the specs below are the hidden configurations.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import torch
from torch import nn

from grader.inputs import Case

BERT_BASE_UNCASED_VOCAB = 30522
BERT_GRU_TRAINABLE = 2_759_169          # GRU(768→256, 2 layers, bidirectional) + Linear(512→1)
BERT_GRU_TOTAL = 112_241_409            # + bert-base-uncased's 109,482,240


def binary_accuracy(preds: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    rounded = torch.round(torch.sigmoid(preds))
    return (rounded == y).float().sum() / len(y)


def train(model, iterator, optimizer, criterion):
    epoch_loss, epoch_acc = 0.0, 0.0
    model.train()
    for batch in iterator:
        optimizer.zero_grad()
        predictions = model(batch.text).squeeze(1)
        loss = criterion(predictions, batch.label)
        acc = binary_accuracy(predictions, batch.label)
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()
        epoch_acc += acc.item()
    return epoch_loss / len(iterator), epoch_acc / len(iterator)


def evaluate(model, iterator, criterion):
    epoch_loss, epoch_acc = 0.0, 0.0
    model.eval()
    with torch.no_grad():
        for batch in iterator:
            predictions = model(batch.text).squeeze(1)
            epoch_loss += criterion(predictions, batch.label).item()
            epoch_acc += binary_accuracy(predictions, batch.label).item()
    return epoch_loss / len(iterator), epoch_acc / len(iterator)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def train_epoch(model, data_loader, loss_fn, optimizer, device, scheduler, n_examples):
    model = model.train()
    losses, correct = [], 0
    for batch in data_loader:
        input_ids = batch["input_ids"].to(device)
        attention_mask = batch["attention_mask"].to(device)
        targets = batch["targets"].to(device)
        outputs = model(input_ids=input_ids, attention_mask=attention_mask)
        _, preds = torch.max(outputs, dim=1)
        loss = loss_fn(outputs, targets)
        correct += torch.sum(preds == targets)
        losses.append(loss.item())
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
    return correct.double() / n_examples, np.mean(losses)


def eval_model(model, data_loader, loss_fn, device, n_examples):
    model = model.eval()
    losses, correct = [], 0
    with torch.no_grad():
        for batch in data_loader:
            outputs = model(input_ids=batch["input_ids"].to(device),
                            attention_mask=batch["attention_mask"].to(device))
            targets = batch["targets"].to(device)
            _, preds = torch.max(outputs, dim=1)
            losses.append(loss_fn(outputs, targets).item())
            correct += torch.sum(preds == targets)
    return correct.double() / n_examples, np.mean(losses)


# --- hidden configurations -------------------------------------------------------------------

def accuracy_cases(rng: np.random.Generator) -> list[Case]:
    visible = [Case((np.array([2.0, -1.0, 0.5, -3.0]), np.array([1.0, 0.0, 0.0, 0.0])),
                    visible=True)]
    hidden = []
    for n in (1, 7, 64, 250):
        logits = rng.normal(scale=3.0, size=n)
        logits[rng.random(n) < 0.1] = 0.0  # sigmoid(0) = 0.5 rounds to 0 (round half to even)
        hidden.append(Case((logits, rng.integers(0, 2, size=n).astype(float))))
    return visible + hidden


def _binary_spec(rng: np.random.Generator, **fixed) -> dict:
    spec = {"seed": int(rng.integers(2**31)), "vocab": int(rng.integers(20, 200)),
            "dim": int(rng.integers(4, 16)), "batches": int(rng.integers(2, 6)),
            "batch_size": int(rng.integers(3, 17)), "length": int(rng.integers(2, 12)),
            "lr": float(rng.uniform(0.05, 0.5))}
    spec.update(fixed)
    return spec


def train_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((_binary_spec(rng),)) for _ in range(3)]


def evaluate_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((_binary_spec(rng),)) for _ in range(3)]


def count_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for frozen, bidirectional in ((True, True), (True, False), (False, True)):
        cases.append(Case(({"seed": int(rng.integers(2**31)), "vocab": int(rng.integers(50, 500)),
                            "emb": int(rng.integers(8, 48)), "hidden": int(rng.integers(4, 40)),
                            "layers": int(rng.integers(1, 3)), "bidirectional": bidirectional,
                            "frozen": frozen},)))
    return cases


def review_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((_binary_spec(rng, lr=float(rng.uniform(0.5, 2.0))),)) for _ in range(3)]


def close_observations(got, expected) -> tuple[bool, str]:
    """Custom compare for the harness observations: every field, with a message per field."""
    if not isinstance(got, dict):
        return False, "the function did not return the expected pair"
    what = {"loss": "the returned loss", "acc": "the returned accuracy",
            "weights": "the model's weights afterwards", "forward_modes": "the forward passes"}
    for key, label in what.items():
        if key not in expected:
            continue
        e, g = expected[key], got.get(key)
        if key == "forward_modes":
            if g != e:
                return False, _modes_reason(e, g)
            continue
        g_arr, e_arr = np.asarray(g, dtype=float), np.asarray(e, dtype=float)
        if g_arr.shape != e_arr.shape or not np.allclose(g_arr, e_arr, rtol=1e-4, atol=1e-6):
            if key == "weights":
                return False, ("the model's weights afterwards differ from the reference's "
                               "(training: zero_grad, backward and one optimizer step per "
                               "batch; evaluation: no update at all)")
            return False, f"{label} differs from the reference implementation's" + (
                f" (expected {float(e):.5g}, got {float(g):.5g})" if e_arr.ndim == 0 else "")
    return True, ""


def _modes_reason(expected, got) -> str:
    if not isinstance(got, list) or len(got) != len(expected):
        n = len(got) if isinstance(got, list) else 0
        return f"the model was called {n} times; expected one forward pass per batch " \
               f"({len(expected)})"
    if any(g[0] != e[0] for g, e in zip(got, expected, strict=True)):
        return ("the model was in the wrong mode (call model.train() when training and "
                "model.eval() when evaluating)")
    return "autograd was on during evaluation (wrap it in torch.no_grad())"


# --- held-out reviews, read by the grader from GRADER_HIDDEN_DATA ------------------------------

TEST_SAMPLE = 1000
REVIEW_CLASSES = ("negative", "neutral", "positive")


def _sample(rng: np.random.Generator, texts: list[str], labels: list[int],
            ) -> tuple[list[str], np.ndarray]:
    if not texts:
        raise ValueError("the held-out review set is empty")
    index = np.arange(len(texts))
    if len(texts) > TEST_SAMPLE:
        index = np.sort(rng.choice(len(texts), size=TEST_SAMPLE, replace=False))
    return [texts[i] for i in index], np.asarray(labels, dtype=np.int64)[index]


def imdb_test_sample(rng: np.random.Generator, hidden) -> tuple[list[str], np.ndarray]:
    """IMDB's test split as unpacked from aclImdb_v1.tar.gz: aclImdb/test/{neg,pos}/*.txt."""
    return _sample(rng, *_imdb_test(hidden.folder("imdb")))


@cache
def _imdb_test(imdb: Path) -> tuple[list[str], list[int]]:
    """Read the 25,000 review files once per worker process, not per submission."""
    root = imdb / "aclImdb" / "test"
    texts, labels = [], []
    for label, name in ((0, "neg"), (1, "pos")):
        folder = root / name
        if not folder.is_dir():
            from grader.datasets import DatasetError

            raise DatasetError(f"{folder} is missing: unpack aclImdb_v1.tar.gz into {imdb}")
        for path in sorted(folder.glob("*.txt")):
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
            labels.append(label)
    return texts, labels


def review_class(score: int) -> int:
    """The notebook's mapping: score ≤ 2 negative, 3 neutral, ≥ 4 positive."""
    return 0 if score <= 2 else 1 if score == 3 else 2


def app_reviews_test_sample(rng: np.random.Generator, hidden) -> tuple[list[str], np.ndarray]:
    """The instructor's held-out app reviews: app-reviews/test.csv with columns content, score."""
    import csv

    path = hidden.folder("app-reviews") / "test.csv"
    if not path.is_file():
        from grader.datasets import DatasetError

        raise DatasetError(f"{path} is missing: hold out part of reviews.csv (columns content, "
                           "score) there, and leave the rest in GRADER_DATA")
    texts, labels = [], []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            texts.append(row["content"])
            labels.append(review_class(int(row["score"])))
    return _sample(rng, texts, labels)
