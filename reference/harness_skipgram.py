"""Kernel-side harness for `sampled_skipgram_grad` (hw4-2021 Q3b): runs INSIDE the sandbox.

Self-contained (numpy only): the grader ships this module's source into the kernel. It calls the
student's estimator many times on one (U, v, j) and returns plain statistics; the grader compares
them with the exact gradient outside the sandbox (`reference.skipgram:unbiased_and_cheap`).

U is handed over as a `RowCountingMatrix`: `U @ v` gives the d scores (the softmax normaliser,
one pass allowed), `U[rows]` returns those rows and counts them, `U.shape` / `len(U)` are free.
Anything that turns U into a full array (`np.asarray(U)`, `U.T`) counts as reading all d rows.
"""

import numpy as np


class RowCountingMatrix:
    def __init__(self, matrix):
        self._matrix = matrix
        self.shape = matrix.shape
        self.ndim = matrix.ndim
        self.dtype = matrix.dtype
        self.rows_read = 0
        self.score_passes = 0

    def __len__(self):
        return self.shape[0]

    def __matmul__(self, other):
        if np.ndim(other) == 1:
            self.score_passes += 1
            return self._matrix @ np.asarray(other)
        self.rows_read += self.shape[0]
        return self._matrix @ np.asarray(other)

    def dot(self, other):
        return self @ other

    def __getitem__(self, index):
        rows = self._matrix[index]
        first = index[0] if isinstance(index, tuple) else index
        self.rows_read += int(np.size(np.arange(self.shape[0])[first]))
        return np.array(rows, copy=True)

    def __array__(self, dtype=None, copy=None):
        self.rows_read += self.shape[0]
        return np.array(self._matrix, dtype=dtype, copy=True)

    @property
    def T(self):  # noqa: N802
        return np.asarray(self).T


def sampled_grad_statistics(estimator, U, v, j, k, draws, seed):  # noqa: N803
    """Mean and standard error of `draws` estimates, and the most rows one call read."""
    rng = np.random.default_rng(seed)
    total = np.zeros(U.shape[1])
    total_sq = np.zeros(U.shape[1])
    max_rows, max_passes = 0, 0
    for _ in range(draws):
        proxy = RowCountingMatrix(U)
        estimate = estimator(proxy, v, j, k, rng)
        if estimate is None:
            return None
        estimate = np.asarray(estimate, dtype=float)
        if estimate.shape != (U.shape[1],):
            raise ValueError(f"the estimate must have shape ({U.shape[1]},), "
                             f"got {estimate.shape}")
        total += estimate
        total_sq += estimate * estimate
        max_rows = max(max_rows, proxy.rows_read)
        max_passes = max(max_passes, proxy.score_passes)
    mean = total / draws
    variance = np.maximum(total_sq / draws - mean * mean, 0.0)
    return {"mean": mean, "stderr": np.sqrt(variance / draws), "draws": draws, "k": k,
            "d": int(U.shape[0]), "max_rows_read": max_rows, "max_score_passes": max_passes}
