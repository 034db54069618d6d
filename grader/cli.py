"""The `grader` command: grade a notebook, check and list rubrics. No server needed."""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from grader.errors import GraderError, InfrastructureError, RubricError, SubmissionError

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Autograder for deep-learning homework notebooks.")
rubric_app = typer.Typer(no_args_is_help=True, help="Check and list rubrics.")
app.add_typer(rubric_app, name="rubric")
out = Console()
err = Console(stderr=True)

EXIT_BAD_INPUT = 2     # unreadable notebook, unknown or broken rubric
EXIT_SANDBOX = 3       # the sandbox could not start: our side, not the student's

STATUS_STYLE = {"passed": "green", "partial": "yellow", "failed": "red", "error": "red bold",
                "pending-manual": "cyan"}


@app.command()
def grade(
    notebook: Annotated[Path, typer.Argument(help="the .ipynb to grade")],
    rubric: Annotated[str, typer.Option("--rubric", "-r", help="rubric id or YAML path")],
    artifact: Annotated[list[Path] | None, typer.Option(
        help="file placed beside the notebook (e.g. vit.pt); repeatable")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the report here")] = None,
    results_json: Annotated[Path | None, typer.Option(
        help="write Gradescope's results.json here")] = None,
    executed: Annotated[Path | None, typer.Option(
        help="write the executed notebook (student cells only) here")] = None,
    seed: Annotated[int | None, typer.Option(help="seed of the hidden cases")] = None,
    sandbox: Annotated[str | None, typer.Option(
        help="bwrap (default) or process (development only, no isolation)")] = None,
) -> None:
    """Grade NOTEBOOK with a rubric; print the scores. Exit 0 whenever grading completed."""
    from grader.config import get_settings
    from grader.datasets import HiddenData
    from grader.notebooks import read_notebook
    from grader.pipeline import grade_notebook
    from grader.rubric.loader import load_rubric
    from grader.sandbox import get_backend
    from grader.sandbox.gpu import choose_gpu

    settings = get_settings()
    try:
        loaded = load_rubric(rubric, settings.rubrics_dir)
        nb = read_notebook(notebook, max_bytes=settings.max_notebook_bytes)
        assets = {}
        for path in artifact or []:
            if not path.is_file():
                raise SubmissionError(f"artifact {path} does not exist")
            assets[path.name] = path
        backend = get_backend(sandbox or settings.sandbox, settings, pool=False)
        report = grade_notebook(nb, loaded, seed=seed if seed is not None else
                                secrets.randbelow(2**31), backend=backend, assets=assets,
                                data_dir=settings.data, executed_out=executed,
                                hidden=HiddenData(settings.hidden_data, settings.verify_datasets),
                                gpu=choose_gpu(loaded.rubric.limits.gpu, settings.gpu))
    except (SubmissionError, RubricError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except InfrastructureError as exc:
        err.print(f"[red]the sandbox could not run the notebook:[/red] {exc}")
        raise typer.Exit(EXIT_SANDBOX) from None
    if json_out:
        json_out.write_text(report.model_dump_json(indent=2))
    if results_json:
        from grader.export.gradescope import to_results_json

        results_json.write_text(json.dumps(to_results_json(report), indent=2))
    print_report(report)


def _batch_submissions(folder: Path) -> list[tuple[str, Path, dict[str, Path]]]:
    """(name, notebook, artifacts): each *.ipynb in FOLDER, and each subfolder holding one
    notebook plus its artifacts (e.g. vit.pt), as Gradescope lays out a submission."""
    found = [(p.stem, p, {}) for p in sorted(folder.glob("*.ipynb"))]
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        notebooks = sorted(sub.glob("*.ipynb"))
        artifacts = {p.name: p for p in sorted(sub.iterdir())
                     if p.is_file() and p.suffix != ".ipynb"}
        found.append((sub.name, notebooks[0] if len(notebooks) == 1 else sub, artifacts))
    return found


@app.command("grade-batch")
def grade_batch(
    folder: Annotated[Path, typer.Argument(help="a folder of notebooks (or of one folder per "
                                                "submission: a notebook and its artifacts)")],
    rubric: Annotated[str, typer.Option(help="rubric id (see `grader rubric list`) or path")],
    csv_out: Annotated[Path, typer.Option("--csv", help="where to write the scores")] = Path(
        "grades.csv"),
    seed: Annotated[int | None, typer.Option(help="seed of the hidden cases (default: one "
                                                  "per submission, from its name)")] = None,
    sandbox: Annotated[str | None, typer.Option(help="bwrap (default) or process")] = None,
) -> None:
    """Grade every submission in FOLDER with a progress bar; write one CSV row per submission.

    A submission that cannot be graded (a broken notebook, two notebooks in one folder) gets a
    row with its error; the batch goes on. Exit 0 when every submission was graded.
    """
    import csv
    import zlib

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from grader.config import get_settings
    from grader.datasets import HiddenData
    from grader.notebooks import read_notebook
    from grader.pipeline import grade_notebook
    from grader.rubric.loader import load_rubric
    from grader.sandbox import get_backend

    settings = get_settings()
    if not folder.is_dir():
        err.print(f"[red]error:[/red] {folder} is not a folder")
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        loaded = load_rubric(rubric, settings.rubrics_dir)
        backend = get_backend(sandbox or settings.sandbox, settings)
    except (RubricError, ValueError, GraderError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    submissions = _batch_submissions(folder)
    ids = [q.id for q in loaded.rubric.questions]
    hidden = HiddenData(settings.hidden_data, settings.verify_datasets)
    rows, failed, scores = [], 0, []
    columns = [BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress("[progress.description]{task.description}", *columns, console=err) as bar:
        task = bar.add_task("grading", total=len(submissions))
        for name, notebook, artifacts in submissions:
            bar.update(task, description=f"grading {name}")
            row = {"submission": name, "status": "", "score": "", "max_score":
                   loaded.rubric.max_points, "pending_manual": "", "error": ""}
            try:
                if notebook.is_dir():
                    raise SubmissionError(f"{notebook.name}/ must hold exactly one notebook")
                nb = read_notebook(notebook, max_bytes=settings.max_notebook_bytes)
                report = grade_notebook(
                    nb, loaded, seed=seed if seed is not None else zlib.crc32(name.encode()),
                    backend=backend, assets=artifacts, data_dir=settings.data, hidden=hidden)
            except (SubmissionError, InfrastructureError, ValueError) as exc:
                failed += 1
                row.update(status="not graded", error=str(exc))
            else:
                scores.append(report.score)
                row.update(status=report.status, score=report.score,
                           pending_manual=report.pending_manual_points,
                           error="; ".join(i.message for i in report.issues))
                row.update({q.id: q.score for q in report.questions})
            rows.append(row)
            bar.advance(task)
    with csv_out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["submission", "status", "score", "max_score",
                                                    "pending_manual", *ids, "error"])
        writer.writeheader()
        writer.writerows(rows)
    mean = f", mean {sum(scores) / len(scores):.2f} / {loaded.rubric.max_points:g}" if scores \
        else ""
    out.print(f"graded {len(scores)} of {len(submissions)} submissions{mean}; "
              f"{failed} not graded; scores in {csv_out}")
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command("gradescope-bundle")
def gradescope_bundle(
    rubric: Annotated[str, typer.Option(help="rubric id (see `grader rubric list`) or path")],
    output: Annotated[Path, typer.Option("--out", help="the zip to upload as Gradescope's "
                                                       "autograder")] = Path("autograder.zip"),
) -> None:
    """Write the Gradescope autograder zip (setup.sh, run_autograder, the grader and rubric)."""
    from grader.config import get_settings
    from grader.export.bundle import build_bundle
    from grader.rubric.loader import load_rubric

    settings = get_settings()
    try:
        loaded = load_rubric(rubric, settings.rubrics_dir)
    except RubricError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    output.parent.mkdir(parents=True, exist_ok=True)
    names = build_bundle(loaded, Path(__file__).resolve().parents[1], output)
    out.print(f"wrote {output} ({len(names)} files) for rubric {loaded.rubric.id}: upload it as "
              "the assignment's autograder (Configure Autograder → zip file)")


def print_report(report) -> None:  # noqa: ANN001 - GradeReport, imported lazily
    table = Table(title=f"{report.assignment} (seed {report.seed})", title_justify="left")
    for column, justify in (("question", "left"), ("score", "right"), ("status", "left"),
                            ("feedback", "left")):
        table.add_column(column, justify=justify, overflow="fold")
    for q in report.questions:
        first = _headline(q.status, q.feedback)
        style = STATUS_STYLE.get(q.status, "")
        table.add_row(q.id, f"{q.score:g}/{q.max_score:g}", f"[{style}]{q.status}[/{style}]",
                      first)
    out.print(table)
    for issue in report.issues:
        out.print(f"[red]problem:[/red] {issue.message}")
    for warning in report.sandbox.warnings:
        out.print(f"[yellow]warning:[/yellow] {warning}")
    pending = (f" ({report.pending_manual_points:g} points pending manual grading)"
               if report.pending_manual_points else "")
    gpu = f", GPU {report.sandbox.gpu}" if report.sandbox.gpu is not None else ""
    out.print(f"[bold]total: {report.score:g} / {report.max_score:g}[/bold]{pending}  "
              f"[dim]{report.duration_s:.2f} s, sandbox {report.sandbox.backend}{gpu}, limits by "
              f"{report.sandbox.limits_enforced_by}[/dim]")


def _headline(status: str, feedback: list[str]) -> str:
    """The line worth reading first: for a question not passed, its first problem."""
    if status != "passed":
        problems = [line for line in feedback if "cases passed" not in line or "hidden" in line]
        feedback = problems or feedback
    return feedback[0] if feedback else ""


@rubric_app.command("validate")
def rubric_validate(path: Annotated[Path, typer.Argument(help="rubric YAML file")]) -> None:
    """Validate a rubric and import every reference it names."""
    from grader.rubric.loader import load_rubric

    try:
        loaded = load_rubric(str(path))
    except RubricError as exc:
        err.print(f"[red]invalid rubric:[/red] {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    r = loaded.rubric
    out.print(f"{path}: ok — {r.id}, {len(r.questions)} questions, {r.max_points:g} points "
              f"({r.auto_points:g} automatic), version {loaded.version}")


@rubric_app.command("list")
def rubric_list() -> None:
    """List the rubrics in the rubrics directory."""
    from grader.config import get_settings
    from grader.rubric.loader import list_rubrics, load_rubric

    settings = get_settings()
    table = Table("id", "title", "points", "automatic", "version")
    for name in list_rubrics(settings.rubrics_dir):
        try:
            loaded = load_rubric(name, settings.rubrics_dir)
        except RubricError as exc:
            table.add_row(name, f"[red]invalid: {exc}[/red]", "", "", "")
            continue
        r = loaded.rubric
        table.add_row(r.id, r.title, f"{r.max_points:g}", f"{r.auto_points:g}", loaded.version)
    out.print(table)


def main() -> None:
    try:
        app()
    except GraderError as exc:  # anything not mapped above still ends with a sentence
        err.print(f"[red]error:[/red] {exc}")
        sys.exit(1)


admin_app = typer.Typer(no_args_is_help=True, help="Administer the service's database.")
app.add_typer(admin_app, name="admin")


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (Alembic) at GRADER_DATABASE_URL."""
    from grader.config import get_settings
    from grader.db.migrate import upgrade

    settings = get_settings()
    upgrade(settings.sqlalchemy_url())
    out.print(f"database at {settings.sqlalchemy_url()} is up to date")


@admin_app.command("create-user")
def create_user(email: str, name: Annotated[str, typer.Option()] = "",
                admin: Annotated[bool, typer.Option("--admin")] = False) -> None:
    """Create a user (or find it) and print a new API token for it (shown once)."""
    from grader.config import get_settings
    from grader.db import repo
    from grader.db.session import make_engine, make_sessionmaker

    settings = get_settings()
    with make_sessionmaker(make_engine(settings.sqlalchemy_url()))() as session:
        user = (repo.find_user_by_email(session=session, email=email)
                or repo.create_user(session=session, email=email, name=name, is_admin=admin))
        if admin and not user.is_admin:
            user.is_admin = True
        token = repo.issue_token(session=session, user=user, label="cli")
        session.commit()
    print(token)


@app.command()
def worker(queues: Annotated[str, typer.Option(help="comma-separated: cpu, gpu")] = "cpu",
           concurrency: Annotated[int, typer.Option(help="jobs at once")] = 1,
           name: Annotated[str | None, typer.Option(help="worker node name")] = None) -> None:
    """Start a grading worker (Celery) for a multi-machine deployment."""
    import os

    from grader.config import get_settings
    from grader.worker.app import create_celery

    settings = get_settings()
    os.nice(settings.worker_nice)  # inherited by the pool and the sandboxed kernels
    celery = create_celery(settings)
    argv = ["worker", "-Q", queues, "--concurrency", str(concurrency), "--pool", "prefork",
            "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    if name:
        argv += ["-n", name]
    celery.worker_main(argv)


@app.command()
def serve(host: Annotated[str, typer.Option()] = "127.0.0.1",
          port: Annotated[int, typer.Option()] = 8000,
          workers: Annotated[int, typer.Option(help="grading worker processes")] = 1) -> None:
    """API + grading worker on one machine (SQLite by default; starts Redis if needed)."""
    from grader.embedded import serve_embedded

    serve_embedded(host=host, port=port, workers=workers)
