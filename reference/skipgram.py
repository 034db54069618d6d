"""Skip-gram gradient (hw4-2021 Q3; research/homework-content.md §2.5).

U ∈ ℝ^{d×h} holds one output vector u_k per row, v ∈ ℝ^h is the centre word's vector, j the
context word. ℓ = −log softmax(U v)[j]; ∂ℓ/∂v = Uᵀ(p − e_j) with p = softmax(U v).
"""

from __future__ import annotations

import numpy as np

from grader.inputs import Case


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def skipgram_loss(U: np.ndarray, v: np.ndarray, j: int) -> float:  # noqa: N803
    z = U @ v
    return float(np.log(np.exp(z - z.max()).sum()) + z.max() - z[j])


def skipgram_grad(U: np.ndarray, v: np.ndarray, j: int) -> np.ndarray:  # noqa: N803
    p = softmax(U @ v)
    p[j] -= 1.0
    return U.T @ p


def sampled_skipgram_grad(U: np.ndarray, v: np.ndarray, j: int, k: int,  # noqa: N803
                          rng: np.random.Generator) -> np.ndarray:
    """An unbiased estimate reading k rows of U (uniform sampling of the d terms, rescaled).

    Uᵀ(p − e_j) = Σ_r (p_r − [r=j]) u_r = d · E_r[(p_r − [r=j]) u_r] for r uniform; p itself
    still needs the normaliser, so this reference is for checking unbiasedness, not speed.
    """
    d = U.shape[0]
    p = softmax(U @ v)
    rows = rng.integers(0, d, size=k)
    weights = p[rows] - (rows == j)
    return d * (weights[:, None] * U[rows]).mean(axis=0)


def grad_cases(rng: np.random.Generator) -> list[Case]:
    visible = [Case((np.eye(3), np.zeros(3), 0), visible=True)]
    hidden = []
    for d, h in rng.integers(2, 60, size=(6, 2)):
        U = rng.normal(size=(int(d), int(h)))  # noqa: N806
        hidden.append(Case((U, rng.normal(size=int(h)), int(rng.integers(0, d)))))
    big = rng.normal(size=(5, 3)) * 30  # large scores: a naive softmax overflows
    hidden.append(Case((big, rng.normal(size=3) * 30, 2)))
    return visible + hidden


# The statistical check (hw4-2021 Q3b): the student's estimator is called DRAWS times on one
# (U, v, j) inside the kernel (reference/harness_skipgram.py); unbiased means the mean lies within
# Z_MAX standard errors of the exact gradient in every coordinate; O(k) means no call read more
# than ROWS_PER_SAMPLE·k + ROWS_EXTRA rows of U (u_j and the sampled rows; the scores U @ v are
# one pass over U that the handout's estimator also needs).
DRAWS = 4000
Z_MAX = 5.0
ROWS_PER_SAMPLE, ROWS_EXTRA = 2, 2


def exact_gradient(U, v, j, k, draws, seed):  # noqa: N803 - same arguments as the harness
    return skipgram_grad(U, v, j)


def sampled_cases(rng: np.random.Generator) -> list[Case]:
    """Vocabularies far larger than k, so reading every row is far from O(k)."""
    visible = [Case((rng.normal(size=(40, 4)), rng.normal(size=4), 3, 4, DRAWS, 0),
                    visible=True)]
    hidden = []
    for d, h, k in ((200, 6, 5), (500, 3, 8), (300, 8, 3)):
        hidden.append(Case((rng.normal(size=(d, h)) * 0.5, rng.normal(size=h) * 0.5,
                            int(rng.integers(0, d)), k, DRAWS, int(rng.integers(2**31)))))
    return visible + hidden


def unbiased_and_cheap(got, expected) -> tuple[bool, str]:
    """Custom compare: the harness's statistics against the exact gradient."""
    if not isinstance(got, dict) or not {"mean", "stderr", "max_rows_read", "k"} <= set(got):
        return False, "the estimator's statistics could not be collected"
    mean, stderr = np.asarray(got["mean"], float), np.asarray(got["stderr"], float)
    expected = np.asarray(expected, float)
    if mean.shape != expected.shape:
        return False, f"expected an estimate of shape {expected.shape}, got {mean.shape}"
    z = np.abs(mean - expected) / np.maximum(stderr, 1e-12 * (1 + np.abs(expected)))
    worst = int(np.argmax(z))
    if z[worst] > Z_MAX and abs(mean[worst] - expected[worst]) > 1e-9:
        return False, (f"biased: the mean of {got.get('draws')} estimates is "
                       f"{mean[worst]:.4g} in coordinate {worst}, the gradient is "
                       f"{expected[worst]:.4g} ({z[worst]:.1f} standard errors away)")
    k = int(got["k"])
    limit = ROWS_PER_SAMPLE * k + ROWS_EXTRA
    if int(got["max_rows_read"]) > limit:
        return False, (f"unbiased, but one call read {got['max_rows_read']} of the "
                       f"{got.get('d')} rows of U with k = {k}; an O(k) estimator reads at most "
                       f"{limit} (index the rows you sample: U[rows])")
    return True, ""
