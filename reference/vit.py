"""Vision transformer on FashionMNIST (hw2-2025 Q3; research/homework-content.md §1.3).

`build_vit(depth, heads)` is inspected in the kernel by reference/harness_vit.py (patch size,
number of attention blocks, heads, output shape); `predict_fashion` is scored by the grader's
own accuracy measurement on held-out test images read from GRADER_HIDDEN_DATA (labels never
enter the sandbox); `vit_results` must agree with that measurement (kind reported_accuracy).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from grader.datasets import HiddenData, load_fashion_mnist
from grader.inputs import Case

PATCH = 4
DEPTHS = range(4, 9)
HEADS = range(2, 5)
TEST_SAMPLE = 2000  # hidden test images per submission, drawn from the 10,000


def expected_structure(depth: int, heads: int) -> dict:
    return {"out_shape": [2, 10], "patch": PATCH, "depth": depth, "heads": heads}


def build_cases(rng: np.random.Generator) -> list[Case]:
    pairs = [(int(d), int(h)) for d in DEPTHS for h in HEADS if (d, h) not in ((4, 2), (8, 4))]
    picked = [pairs[i] for i in rng.choice(len(pairs), size=2, replace=False)]
    return [Case((4, 2), visible=True)] + [Case(p) for p in picked] + [Case((8, 4))]


def structure_matches(got, expected) -> tuple[bool, str]:
    if not isinstance(got, dict):
        return False, "build_vit did not return a torch.nn.Module"
    problems = []
    if got.get("out_shape") != expected["out_shape"]:
        problems.append(f"a batch of shape (2, 1, 28, 28) gave output shape "
                        f"{tuple(got.get('out_shape') or ())}, expected (2, 10)")
    if got.get("patch") != expected["patch"]:
        seen = got.get("patch")
        problems.append("no 4×4 patch embedding found (a Conv2d with kernel and stride 4, a "
                        "`patch_size` attribute of 4, or 49 patch tokens)" if seen is None
                        else f"patch size {seen}, expected {expected['patch']}")
    if got.get("depth") != expected["depth"]:
        problems.append(f"{got.get('depth')} attention blocks, expected depth "
                        f"{expected['depth']}")
    if got.get("heads") != expected["heads"]:
        problems.append(f"attention with {got.get('heads')} heads, expected "
                        f"{expected['heads']}")
    return (not problems), "; ".join(problems)


@cache
def _fashion_test(root: Path, verify: bool) -> tuple[np.ndarray, np.ndarray]:
    """Read (and MD5-check) the held-out set once per worker process, not per submission."""
    images, labels = load_fashion_mnist(root, "test", verify=verify)
    images.flags.writeable = labels.flags.writeable = False
    return images, labels


def fashion_test_sample(rng: np.random.Generator, hidden: HiddenData,
                        ) -> tuple[np.ndarray, np.ndarray]:
    """A per-submission sample of the held-out test images and their labels (grader side)."""
    images, labels = _fashion_test(hidden.folder("fashion-mnist").parent, hidden.verify)
    if len(images) > TEST_SAMPLE:
        index = np.sort(rng.choice(len(images), size=TEST_SAMPLE, replace=False))
        images, labels = images[index], labels[index]
    return images, labels.astype(np.int64)
