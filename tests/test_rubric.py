"""Rubric files: a broken one fails with file, field path and reason."""

from __future__ import annotations

import subprocess
import sys

import pytest

from grader.errors import RubricError, UnknownRubric
from grader.rubric.loader import list_rubrics, load_rubric, parse_rubric
from grader.rubric.models import Limits, parse_bytes
from tests.conftest import REPO

GOOD = """
id: demo
title: Demo
limits: {cell_timeout: 30, memory: 1GiB}
questions:
  - id: "1"
    title: causal
    points: 2
    checks:
      - {kind: function, name: f, reference: "reference.attention:count_dot_products_causal",
         inputs: "reference.attention:causal_cases"}
  - id: "2"
    title: essay
    points: 3
    checks: [{kind: manual}]
"""


def write(tmp_path, text: str):
    path = tmp_path / "demo.yaml"
    path.write_text(text)
    return path


def test_a_valid_rubric_loads_with_units_and_a_content_version(tmp_path):
    loaded = load_rubric(str(write(tmp_path, GOOD)))
    assert loaded.rubric.limits.memory_bytes == 2**30
    assert loaded.rubric.limits.cell_timeout_s == 30
    assert (loaded.rubric.max_points, loaded.rubric.auto_points) == (5, 2)
    assert len(loaded.version) == 16
    assert load_rubric(str(write(tmp_path, GOOD + "\n# comment"))).version != loaded.version


@pytest.mark.parametrize("change, message", [
    (("compare: exact", ""), None),
    (("kind: function", "kind: functoin"), "questions[0].checks[0]: Input tag 'functoin'"),
    (("memory: 1GiB", "memory: lots"), "limits.memory: Value error, 'lots' is not a size"),
    (("points: 2", "points: -2"), "questions[0].points: Input should be greater than or equal"),
    (("name: f,", "name: f, colour: red,"), "questions[0].checks[0].function.colour: Extra "
                                            "inputs are not permitted"),
    (('id: "2"', 'id: "1"'), "question ids must be unique; repeated: 1"),
])
def test_broken_rubrics_say_file_field_and_reason(tmp_path, change, message):
    if message is None:
        return
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(RubricError) as info:
        load_rubric(str(path))
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_a_manual_check_cannot_hide_among_automatic_ones(tmp_path):
    text = GOOD.replace("checks: [{kind: manual}]",
                        "checks: [{kind: manual}, {kind: runs, tag: x}]")
    with pytest.raises(RubricError, match="split it into a question of its own"):
        load_rubric(str(write(tmp_path, text)))


def test_total_points_must_match_the_questions(tmp_path):
    with pytest.raises(RubricError, match="questions add up to 5 points, total_points says 10"):
        load_rubric(str(write(tmp_path, "total_points: 10\n" + GOOD)))


def test_a_reference_that_does_not_exist_fails_at_load(tmp_path):
    text = GOOD.replace("attention:count_dot_products_causal", "attention:nope")
    with pytest.raises(RubricError, match=r"questions\[0\]\.checks\[0\]\.reference: "
                                          r"reference\.attention has no attribute 'nope'"):
        load_rubric(str(write(tmp_path, text)))


def test_not_yaml_and_not_a_mapping(tmp_path):
    with pytest.raises(RubricError, match="not valid YAML"):
        parse_rubric("id: [unclosed", source="x.yaml")
    with pytest.raises(RubricError, match="a rubric is a YAML mapping"):
        parse_rubric("- a\n- b", source="x.yaml")


def test_unknown_rubric_lists_the_known_ones():
    with pytest.raises(UnknownRubric, match=r"no rubric named 'hw9' \(known rubrics: .*hw3-2022"):
        load_rubric("hw9")


def test_every_shipped_rubric_is_valid():
    for name in list_rubrics(REPO / "rubrics"):
        load_rubric(name)


def test_sizes():
    assert parse_bytes("512MiB") == 512 * 2**20
    assert parse_bytes("1.5GB") == 1_500_000_000
    assert parse_bytes(1000) == 1000
    assert Limits(output="64KiB").output_bytes == 65536


def test_cli_validate_and_list(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "grader", "rubric", "validate",
                         str(REPO / "rubrics/hw3-2022.yaml")], capture_output=True, text=True)
    assert ok.returncode == 0
    assert "hw3-2022, 8 questions, 100 points (45 automatic)" in " ".join(ok.stdout.split())
    bad = subprocess.run([sys.executable, "-m", "grader", "rubric", "validate",
                          str(write(tmp_path, GOOD.replace("points: 2", "points: x")))],
                         capture_output=True, text=True)
    assert bad.returncode == 2
    assert "questions[0].points" in " ".join(bad.stderr.split())
    listed = subprocess.run([sys.executable, "-m", "grader", "rubric", "list"],
                            capture_output=True, text=True)
    assert "hw3-2022" in listed.stdout
