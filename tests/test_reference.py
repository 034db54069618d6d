"""The reference implementations agree with brute force (research/homework-content.md §2)."""

from __future__ import annotations

import numpy as np

from grader.inputs import check_rng
from reference import attention, linear_attention, recurrence


def test_counts_equal_the_number_of_true_entries_in_the_masks():
    for n in range(1, 30):
        assert attention.count_dot_products_causal(n) == attention.attention_mask_causal(n).sum()
        for t in range(0, n + 3):
            assert attention.count_dot_products_strided(n, t) == \
                attention.attention_mask_strided(n, t).sum()
        for w in (w for w in range(1, n + 1) if n % w == 0):
            assert attention.count_dot_products_windowed(n, w) == \
                attention.attention_mask_windowed(n, w).sum()


def test_research_table_values():
    assert attention.count_dot_products_strided(8, 3) == 26
    assert attention.count_dot_products_strided(1000, 32) == 32472
    assert attention.count_dot_products_windowed(1000, 50) == 25500
    assert attention.count_dot_products_causal(1000) == 500500


def test_rnn_output_is_the_even_odd_property_on_even_lengths():
    rng = np.random.default_rng(0)
    for case in recurrence.sequence_cases(rng):
        (x,) = case.args
        assert len(x) % 2 == 0
        assert recurrence.rnn_forward(x) == recurrence.rnn_property(x)
    assert recurrence.rnn_forward([5, -1, 2, 2]) == 0.0
    assert recurrence.rnn_forward(list(range(1000))) == 1.0


def test_hidden_sequences_include_ties_and_length_1000():
    cases = recurrence.sequence_cases(check_rng(3, "q"))
    outputs = [recurrence.rnn_forward(c.args[0]) for c in cases if not c.visible]
    assert outputs.count(0.5) >= 3
    assert max(len(c.args[0]) for c in cases) == 1000


def test_linear_attention_equals_the_quadratic_form():
    rng = np.random.default_rng(1)
    for case in linear_attention.small_cases(rng):
        assert np.allclose(linear_attention.linear_attention(*case.args),
                           linear_attention.quadratic_attention(*case.args))


def test_edge_cases_are_drawn():
    strided = attention.strided_cases(check_rng(5, "s"))
    assert any(t == 0 for _, t in (c.args for c in strided))
    assert any(t >= n - 1 for n, t in (c.args for c in strided if c.args[0] > 1))
    windowed = [c.args for c in attention.windowed_cases(check_rng(5, "w"))]
    assert all(n % w == 0 for n, w in windowed)
    assert any(w == 1 for _, w in windowed) and any(w == n for n, w in windowed)


def test_2d_rnn_counts_match_brute_force_and_the_research_table():
    from reference import rnn2d

    for n, c, h, params, ops in [(2, 1, 1, 3, 20), (3, 3, 2, 14, 234), (4, 3, 4, 44, 1344),
                                 (5, 1, 3, 21, 975), (4, 2, 5, 60, 1840)]:
        assert rnn2d.rnn2d_num_params(c, h) == params
        assert rnn2d.rnn2d_num_ops(n, c, h) == rnn2d.count_ops_explicitly(n, c, h) == ops
    assert rnn2d.rnn2d_num_ops(224, 3, 128) == 3_320_446_976
    # the accepted band: multiply-accumulate counting (n²(2h² + hc)) passes; at the hidden
    # sizes (n >= 16) a count cubic or linear in n does not
    n, c, h = 16, 3, 8
    assert rnn2d.ops_within_band(n * n * (2 * h * h + h * c), rnn2d.rnn2d_num_ops(n, c, h))[0]
    assert not rnn2d.ops_within_band(n**3 * h * (h + c), rnn2d.rnn2d_num_ops(n, c, h))[0]
    assert not rnn2d.ops_within_band(n * h * (h + c), rnn2d.rnn2d_num_ops(n, c, h))[0]
    assert all(case.args[0] >= 16 for case in rnn2d.ops_cases(np.random.default_rng(1))
               if not case.visible)


def test_self_attention_copies_each_token_for_large_beta():
    from reference import self_attention as sa

    x = sa.beta_example(10.0)
    assert np.allclose(sa.self_attention(x), x)
    assert np.allclose(np.linalg.norm(x, axis=1), sa.token_norms(10.0))
    small = sa.self_attention(sa.beta_example(0.5))
    assert not np.allclose(small, sa.beta_example(0.5), atol=0.1)
    # equal to the naive formula where that one does not overflow
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 3))  # noqa: N806
    w = np.exp(X @ X.T)
    assert np.allclose(sa.self_attention(X), (w / w.sum(axis=1, keepdims=True)) @ X)


def test_skipgram_gradient_matches_finite_differences_and_the_sampler_is_unbiased():
    from reference import skipgram

    rng = np.random.default_rng(4)
    U, v, j = rng.normal(size=(7, 5)), rng.normal(size=5), 3  # noqa: N806
    eps = 1e-6
    numeric = np.array([(skipgram.skipgram_loss(U, v + eps * e, j)
                         - skipgram.skipgram_loss(U, v - eps * e, j)) / (2 * eps)
                        for e in np.eye(5)])
    assert np.allclose(skipgram.skipgram_grad(U, v, j), numeric, atol=1e-7)
    draws = np.array([skipgram.sampled_skipgram_grad(U, v, j, 3, rng) for _ in range(20000)])
    error = np.abs(draws.mean(axis=0) - skipgram.skipgram_grad(U, v, j))
    assert (error < 5 * draws.std(axis=0) / np.sqrt(len(draws))).all()
    for case in skipgram.grad_cases(np.random.default_rng(0)):
        assert np.isfinite(skipgram.skipgram_grad(*case.args)).all()
