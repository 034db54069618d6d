"""A deadline burst through the real stack (bench/upload_load.py): 200 uploads, 2 workers.
Latency figures are printed by the bench script; this test checks nothing is lost or doubled."""

from __future__ import annotations

import pytest

from bench.upload_load import run_load

pytestmark = pytest.mark.sandbox


def test_200_uploads_in_a_burst_are_all_graded_exactly_once(public_tmp):
    result = run_load(uploads=200, workers=2, home=public_tmp)
    assert result.graded == 200
    assert result.results == 200       # one result per submission, none duplicated
    assert result.max_attempts == 1    # and none graded twice
