"""Toy references for tests/data/rubrics/kinds.yaml."""

import numpy as np

answer_table = {(4, 2): 0.5, (6, 4): 0.75}


def blobs(rng: np.random.Generator, hidden=None) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs in 2-D; class 1 has x0 > 0 with probability ~0.98."""
    labels = rng.integers(0, 2, size=400)
    centers = np.where(labels[:, None] == 1, [2.0, 0.0], [-2.0, 0.0])
    return centers + rng.normal(size=(400, 2)), labels
