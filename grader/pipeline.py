"""grade_notebook: the one orchestrator the CLI, the worker and the tests call.

draw hidden cases (here) → probe cells → run student cells + probes (sandbox) → decode the
answers (plain data) → compare with the reference (here) → score → GradeReport.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from grader import scoring
from grader.checks import CHECKS, EVALUATE_LAST, RUN_LAST
from grader.checks.base import CheckContext, CheckResult, Drawn
from grader.datasets import HiddenData
from grader.inputs import check_rng
from grader.probes.wire import decode_answers
from grader.rubric.loader import LoadedRubric
from grader.rubric.models import Check, Weights
from grader.sandbox.base import Backend, ExecutionRequest, ProbeCell

PREAMBLE = ("import sys as __grader_sys\n"
            "__grader__ = type(__grader_sys)('__grader__')\n"
            "exec(compile({source!r}, '<grader probes>', 'exec'), __grader__.__dict__)\n"
            "del __grader_sys")


@cache
def preamble_cell() -> ProbeCell:
    source = (Path(__file__).parent / "probes" / "kernel.py").read_text()
    return ProbeCell(PREAMBLE.format(source=source))


LOAD_WEIGHTS = '''# The grader ran this cell instead of the cells tagged {tags}:
# the submission carries {file}.
def __grader_load_weights():
    import pickle

    import torch
    try:
        return torch.load({file!r}, weights_only=True, map_location="cpu")
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError) as exc:
        raise RuntimeError("{file} was refused: it must be a plain state_dict of tensors, "
                           "loadable with torch.load(weights_only=True). "
                           + str(exc)[:300]) from None
{variable} = __grader_load_weights()
del __grader_load_weights'''


def with_weights(nb: NotebookNode, weights: Weights) -> NotebookNode:
    """A copy of nb where the first cell tagged for skipping loads the weights and the others
    are skipped (the sandbox skips cells tagged `grader-skipped`)."""
    nb = nbformat.from_dict(nb)
    load = LOAD_WEIGHTS.format(tags=", ".join(weights.skip_tags), file=weights.file,
                               variable=weights.variable)
    loaded = False
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.cell_type != "code" or not tags & set(weights.skip_tags):
            continue
        if not loaded:
            cell.source, cell.outputs = load, []
            loaded = True
        else:
            cell.metadata["tags"] = sorted(tags | {SKIPPED_TAG})
    if not loaded:  # no tagged cell: load the weights before anything else runs
        nb.cells.insert(0, nbformat.v4.new_code_cell(load))
    return nb


SKIPPED_TAG = "grader-skipped"


@dataclass
class _Planned:
    check: Check
    ctx: CheckContext
    drawn: Drawn
    question_index: int
    probe_index: int | None = None  # index into the probe cells


def grade_notebook(nb: NotebookNode, loaded: LoadedRubric, *, seed: int, backend: Backend,
                   assets: dict[str, Path] | None = None, data_dir: Path | None = None,
                   hidden: HiddenData | None = None, gpu: int | None = None,
                   executed_out: Path | None = None) -> scoring.GradeReport:
    """Grade `nb`; optionally write the executed notebook (student cells only)."""
    report, executed = grade_and_execute(nb, loaded, seed=seed, backend=backend, assets=assets,
                                         data_dir=data_dir, hidden=hidden, gpu=gpu)
    if executed_out is not None:
        nbformat.write(executed, str(executed_out))
    return report


def grade_and_execute(nb: NotebookNode, loaded: LoadedRubric, *, seed: int, backend: Backend,
                      assets: dict[str, Path] | None = None, data_dir: Path | None = None,
                      hidden: HiddenData | None = None, gpu: int | None = None,
                      ) -> tuple[scoring.GradeReport, NotebookNode]:
    started = time.monotonic()
    rubric = loaded.rubric
    token = secrets.token_hex(8)
    assets = dict(assets or {})
    skip_tags: frozenset[str] = frozenset()
    if rubric.weights is not None and rubric.weights.file in assets:
        nb = with_weights(nb, rubric.weights)
        skip_tags = frozenset({SKIPPED_TAG})
    measured: dict[str, tuple[float, int]] = {}
    planned = []
    for qi, question in enumerate(rubric.questions):
        for ci, check in enumerate(question.checks):
            ctx = CheckContext(loaded=loaded, key=f"{question.id}#{ci}", token=token,
                               limits=rubric.limits, hidden=hidden or HiddenData(),
                               measured=measured)
            drawn = CHECKS[check.kind].draw(check, check_rng(seed, ctx.key), ctx)
            planned.append(_Planned(check, ctx, drawn, qi))
    probe_cells = [preamble_cell()]
    for item in sorted(planned, key=lambda p: p.check.kind in RUN_LAST):
        cell = CHECKS[item.check.kind].probe(item.check, item.drawn, item.ctx)
        if cell is not None:
            item.probe_index = len(probe_cells)
            probe_cells.append(cell)
    request = ExecutionRequest(notebook=nb, probe_cells=probe_cells, limits=rubric.limits,
                               assets=assets, data_dir=data_dir, preload=rubric.kernel_preload,
                               skip_tags=skip_tags, gpu=gpu)
    result = backend.run(request)
    results: dict[int, CheckResult] = {}  # by id() of the planned item
    times: dict[int, float] = {}
    for item in sorted(planned, key=lambda p: p.check.kind in EVALUATE_LAST):
        answers = []
        if item.probe_index is not None:
            record = result.probes[item.probe_index]
            item.ctx.probe_record = record
            times[item.question_index] = times.get(item.question_index, 0) + record.duration_s
            answers = decode_answers(result.probe_payloads[item.probe_index], token=token,
                                     key=item.ctx.key, n_cases=item.drawn.n_answers,
                                     max_bytes=rubric.limits.probe_output_bytes)
        item.ctx.execution = result
        results[id(item)] = CHECKS[item.check.kind].evaluate(item.check, item.drawn, answers,
                                                              item.ctx)
    per_question: dict[int, list[CheckResult]] = {}
    for item in planned:
        per_question.setdefault(item.question_index, []).append(results[id(item)])
    questions = [scoring.score_question(q, per_question[i], times.get(i, 0.0))
                 for i, q in enumerate(rubric.questions)]
    issues = scoring.execution_issues(result, rubric.limits)
    report = scoring.GradeReport(
        assignment=rubric.id, rubric_version=loaded.version, seed=seed,
        status="error" if issues else "ok",
        score=round(sum(q.score for q in questions), 4), max_score=rubric.max_points,
        auto_max_score=rubric.auto_points,
        pending_manual_points=sum(q.max_score for q in questions if q.status == "pending-manual"),
        questions=questions, issues=issues,
        sandbox=scoring.SandboxReport(backend=result.sandbox.backend,
                                      limits_enforced_by=result.sandbox.limits_enforced_by,
                                      warnings=result.sandbox.warnings,
                                      memory_peak_bytes=result.sandbox.memory_peak_bytes,
                                      gpu=result.sandbox.gpu,
                                      pooled=result.sandbox.pooled,
                                      cpu_s=result.sandbox.cpu_s),
        duration_s=round(time.monotonic() - started, 3))
    return report, result.executed
