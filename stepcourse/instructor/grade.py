"""Grading submitted notebooks: each runs in its own kernel with a time limit, and the checks it calls score it.

For every submission the grader

1. starts a fresh kernel (a separate process) with ``STEPCOURSE_GRADING_LOG`` naming a file of its own,
   in an empty temporary folder;
2. executes every cell with ``allow_errors``: an error in one cell is recorded in its output and the next
   cell still runs, so a broken first exercise does not cost the second;
3. stops at the time limit (an endless loop) or when the kernel dies (a crash), and keeps what the log
   holds so far;
4. scores each exercise of the submission's chapter by the **last** check result for its label in the
   log (a label never checked scores 0), with the points of the check's registry entry.

The log lines are written by :func:`stepcourse.exercises.check` in the student's kernel, so a student
who really wants to can forge them; the executed notebook is saved beside the grades for a human look.
"""
from __future__ import annotations

import csv
import glob
import json
import math
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

from ..exercises import GRADING_LOG_ENV, registry
from .notebook import cell_text, chapter_exercises, check_calls, find_chapters, read_notebook
from .student import prepare_out_dir

__all__ = ["GradeResult", "score_log", "book_index", "expected_exercises", "collect_submissions", "grade_submission",
           "grade_submissions", "write_csv", "write_summary", "STATUSES"]

#: What ``status`` may say: the notebook ran to the end / hit the time limit / its kernel died /
#: it could not be run at all (not a notebook, no kernel).
STATUSES = ("ok", "timeout", "crashed", "error")


@dataclass
class GradeResult:
    """The grade of one submission."""

    submission: str                       #: the path as given
    name: str                             #: the file name used for its log and executed notebook
    status: str                           #: one of :data:`STATUSES`
    detail: str = ""                      #: what went wrong, for a status other than ``ok``
    chapters: List[str] = field(default_factory=list)
    scores: Dict[str, float] = field(default_factory=dict)       #: label -> points earned
    max_points: Dict[str, float] = field(default_factory=dict)   #: label -> points available
    cell_errors: int = 0                  #: cells whose output is an error
    seconds: float = 0.0

    @property
    def total(self) -> float:
        return float(sum(self.scores.values()))

    @property
    def max_total(self) -> float:
        return float(sum(self.max_points.values()))


def score_log(lines: Iterable[str], expected: Dict[str, float]) -> Dict[str, float]:
    """Points per label in ``expected`` (label -> max points) from grading-log ``lines``.

    The last line for a label decides; labels never checked score 0; lines that are not JSON objects
    with a ``label`` (a truncated last line after a crash, say) are skipped.

    >>> score_log(['{"label": "a", "passed": true}', '{"label": "a", "passed": false}',
    ...            '{"label": "b", "passed": true}'], {"a": 1.0, "b": 2.0, "c": 1.0})
    {'a': 0.0, 'b': 2.0, 'c': 0.0}
    """
    last: Dict[str, bool] = {}
    for line in lines:
        try:
            entry = json.loads(line)
        except (json.JSONDecodeError, TypeError):
            continue
        if isinstance(entry, dict) and isinstance(entry.get("label"), str):
            last[entry["label"]] = entry.get("passed") is True
    return {label: (float(points) if last.get(label) else 0.0) for label, points in expected.items()}


def book_index(book) -> Dict[str, List[str]]:
    """Chapter name -> its exercise labels in order, for every chapter notebook in folder ``book``.

    An empty dict when there is no such folder (grading then goes by the registry alone).
    """
    book = Path(book) if book is not None else None
    if book is None or not book.is_dir():
        return {}
    index = {}
    for path in find_chapters(book):
        try:
            index[path.stem] = [ex.label for ex in chapter_exercises(read_notebook(path), path.stem)]
        except ValueError:
            continue
    return index


def expected_exercises(nb: dict, path, index: Optional[Dict[str, List[str]]] = None) -> Dict[str, object]:
    """The registered checks that grade notebook ``nb``: every exercise of the chapters it belongs to.

    A submission belongs to the chapters of the labels it names (exercise directives and check calls),
    to the chapter its student version was made from, and to the chapter named like its file. Chapters
    are the notebooks of the book (``index``, from :func:`book_index`), so a student who deletes an
    exercise still has it counted; without a book, the chapter modules of the registry stand in.
    """
    checks = registry()
    labels = set()
    for exercise in chapter_exercises(nb):
        labels.add(exercise.label)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            labels.update(check_calls(cell_text(cell)))
    hinted = nb.get("metadata", {}).get("stepcourse", {}).get("chapter")
    names = (hinted, Path(path).stem)
    if index:
        chapters = {chapter for chapter, own in index.items() if labels & set(own)}
        chapters |= {name for name in names if name in index}
        wanted = [label for chapter in index if chapter in chapters for label in index[chapter]]
        return {label: checks[label] for label in wanted if label in checks}
    chapters = {checks[label].chapter for label in labels if label in checks}
    known = {check.chapter for check in checks.values()}
    chapters |= {name for name in names if name in known}
    return {label: check for label, check in checks.items() if check.chapter in chapters}


def collect_submissions(items: Sequence[str]) -> List[Path]:
    """Notebook paths from ``items``: files, folders (every ``.ipynb`` inside) or glob patterns."""
    found: List[Path] = []
    missing = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            matches = sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        elif path.is_file():
            matches = [path]
        else:
            matches = sorted(Path(p) for p in glob.glob(item) if p.endswith(".ipynb"))
        if not matches:
            missing.append(item)
        found.extend(m for m in matches if m not in found)
    if missing:
        raise ValueError(f"no submission notebook found at {', '.join(map(repr, missing))}")
    return found


def _names(paths: List[Path]) -> List[str]:
    """A distinct file-name-safe name per submission: the file stem, or its path when stems repeat."""
    parts = [p.resolve().parent.parts[::-1] for p in paths]
    depth = [0] * len(paths)

    def name(i):
        return "__".join(list(parts[i][:depth[i]])[::-1] + [paths[i].stem])

    # Add parent folders to the names that collide until they differ (alice/hw.ipynb, bob/hw.ipynb).
    for _ in range(max((len(p) for p in parts), default=0)):
        current = [name(i) for i in range(len(paths))]
        clashes = [i for i, n in enumerate(current) if current.count(n) > 1]
        if not clashes:
            break
        for i in clashes:
            depth[i] = min(depth[i] + 1, len(parts[i]))
    names: List[str] = []
    for i in range(len(paths)):
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name(i)) or "submission"
        while safe in names:
            safe += "_"
        names.append(safe)
    return names


def grade_submission(path, out, *, name: Optional[str] = None, timeout: float = 300.0,
                     kernel_name: str = "python3", index: Optional[Dict[str, List[str]]] = None) -> GradeResult:
    """Execute one submission in a fresh kernel and score it; writes ``out/logs`` and ``out/executed``.

    ``timeout`` (seconds) bounds the whole notebook, kernel start included; ``index`` maps the book's
    chapters to their exercise labels (:func:`book_index`).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    path, out = Path(path), Path(out)
    name = name or path.stem
    result = GradeResult(submission=str(path), name=name, status="error")
    try:
        expected = expected_exercises(read_notebook(path), path, index)
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # not a notebook: that submission scores nothing, the others go on
        result.detail = f"cannot read the notebook: {exc}"
        return result
    result.chapters = ([c for c in index if set(index[c]) & set(expected)] if index
                       else sorted({check.chapter for check in expected.values()}))
    result.max_points = {label: check.points for label, check in expected.items()}
    if not expected:  # nothing to score: do not run a stranger's notebook
        result.detail = "no exercise of the course found in this notebook"
        return result
    (out / "logs").mkdir(parents=True, exist_ok=True)
    (out / "executed").mkdir(parents=True, exist_ok=True)
    log_path = (out / "logs" / f"{name}.jsonl").resolve()
    log_path.unlink(missing_ok=True)
    log_path.touch()
    env = dict(os.environ, **{GRADING_LOG_ENV: str(log_path), "MPLBACKEND": "Agg"})

    started = time.monotonic()
    deadline = started + timeout

    def remaining(cell=None) -> float:
        # nbclient reads 0 as "no limit": never hand it less than a moment.
        return max(0.5, deadline - time.monotonic())

    def stop_when_late(cell, cell_index):
        if time.monotonic() >= deadline:
            raise CellTimeoutError(f"the time limit of {timeout:g} s was reached before cell {cell_index}")

    client = NotebookClient(nb, kernel_name=kernel_name, allow_errors=True, interrupt_on_timeout=False,
                            shutdown_kernel="immediate", timeout_func=remaining,
                            startup_timeout=int(max(60, math.ceil(timeout))),
                            on_cell_start=stop_when_late,
                            resources={"metadata": {"path": None}})
    kernel_output = out / "logs" / f"{name}.kernel.txt"
    with tempfile.TemporaryDirectory(prefix="stepcourse-grade-") as workdir, \
            open(kernel_output, "w", encoding="utf-8") as kernel_log:
        client.resources["metadata"]["path"] = workdir
        try:
            client.execute(env=env, stdout=kernel_log, stderr=kernel_log)
            result.status = "ok"
        except CellTimeoutError:
            result.status = "timeout"
            result.detail = f"stopped at the time limit of {timeout:g} s; checks run before it count"
        except DeadKernelError:
            result.status = "crashed"
            result.detail = "the kernel died (a crash or an exit); checks run before it count"
        except Exception as exc:  # the kernel could not start, or nbclient failed: grade what was logged
            result.status = "error"
            result.detail = f"{type(exc).__name__}: {exc}".strip()[:300]
    result.seconds = time.monotonic() - started
    result.cell_errors = sum(1 for cell in nb.cells if cell.cell_type == "code"
                             for output in cell.get("outputs", []) if output.get("output_type") == "error")
    nbformat.write(nb, out / "executed" / f"{name}.ipynb")
    with open(log_path, encoding="utf-8") as fh:
        result.scores = score_log(fh, result.max_points)
    return result


def grade_submissions(items: Sequence[str], out, *, timeout: float = 300.0, jobs: int = 1,
                      force: bool = False, kernel_name: str = "python3", book="book",
                      protected=()) -> List[GradeResult]:
    """Grade every submission in ``items`` into folder ``out``.

    Writes ``grades.csv``, ``summary.md``, ``logs/`` (the grading log and kernel output of each) and
    ``executed/`` (each notebook as it ran).

    Parameters
    ----------
    items : sequence of str
        Notebooks, folders (every notebook inside) or glob patterns.
    out : path
        The folder for the grades; new or empty unless ``force``.
    timeout : float
        Seconds allowed per submission, kernel start included.
    jobs : int
        Submissions run at once, each in its own kernel.
    force : bool
        Write into a folder that is not empty.
    kernel_name : str
        The Jupyter kernel to run the submissions with, whatever their metadata says.
    book : path
        The chapter notebooks, which say what each submission is graded on (:func:`expected_exercises`).
    protected : sequence of path
        Folders ``out`` must not be.

    Returns
    -------
    list of GradeResult
        One per submission, in the order found.
    """
    if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds; got {timeout!r}")
    if not (isinstance(jobs, int) and jobs >= 1):
        raise ValueError(f"jobs must be a whole number >= 1; got {jobs!r}")
    paths = collect_submissions(items)
    out = prepare_out_dir(out, force, protected)
    names = _names(paths)
    index = book_index(book)

    def one(args):
        path, name = args
        return grade_submission(path, out, name=name, timeout=timeout, kernel_name=kernel_name, index=index)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(one, zip(paths, names)))
    write_csv(results, out / "grades.csv", index=index)
    write_summary(results, out / "summary.md", timeout=timeout, index=index)
    return results


def _columns(results: List[GradeResult], index: Optional[Dict[str, List[str]]] = None) -> List[str]:
    """The labels graded in ``results``: in the book's order (``index``), then in the registry's."""
    wanted = {label for r in results for label in r.max_points}
    order = [label for labels in (index or {}).values() for label in labels]
    ranked = list(dict.fromkeys(order + list(registry())))
    return [label for label in ranked if label in wanted]


def _fmt(x: float) -> str:
    return f"{x:g}"


def write_csv(results: List[GradeResult], path, index: Optional[Dict[str, List[str]]] = None) -> None:
    """One row per submission: its exercise scores (blank for another chapter's), total, status."""
    labels = _columns(results, index)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["submission", "chapter", *labels, "total", "max_total", "status", "cell_errors",
                         "seconds", "detail"])
        for r in results:
            writer.writerow([r.submission, " ".join(r.chapters),
                             *[_fmt(r.scores[label]) if label in r.scores else "" for label in labels],
                             _fmt(r.total), _fmt(r.max_total), r.status, r.cell_errors, f"{r.seconds:.1f}",
                             r.detail])


def write_summary(results: List[GradeResult], path, *, timeout: float,
                  index: Optional[Dict[str, List[str]]] = None) -> None:
    """A Markdown summary: one line per submission, then how each exercise went."""
    labels = _columns(results, index)
    checks = registry()
    chapter_of = {label: chapter for chapter, own in (index or {}).items() for label in own}
    lines = ["# Grades", "",
             f"{len(results)} submission(s), graded {datetime.now():%Y-%m-%d %H:%M} with a time limit of "
             f"{timeout:g} s each. Scores: `grades.csv`; each notebook as it ran: `executed/`.", "",
             "| submission | status | total | " + " | ".join(labels) + " |",
             "|---|---|---|" + "---|" * len(labels)]
    for r in results:
        marks = [(_fmt(r.scores[label]) if label in r.scores else "") for label in labels]
        lines.append(f"| {r.submission} | {r.status} | {_fmt(r.total)} / {_fmt(r.max_total)} | "
                     + " | ".join(marks) + " |")
    lines += ["", "## Exercises", "", "| exercise | chapter | points | full marks | mean |", "|---|---|---|---|---|"]
    for label in labels:
        graded = [r for r in results if label in r.scores]
        full = sum(1 for r in graded if r.scores[label] >= r.max_points[label] > 0)
        mean = sum(r.scores[label] for r in graded) / len(graded)
        chapter = chapter_of.get(label, checks[label].chapter)
        lines.append(f"| {label} | {chapter} | {_fmt(checks[label].points)} | "
                     f"{full} of {len(graded)} | {mean:.2f} |")
    problems = [r for r in results if r.status != "ok" or r.detail or r.cell_errors]
    if problems:
        lines += ["", "## To look at", ""]
        for r in problems:
            what = [r.status] + ([r.detail] if r.detail else [])
            if r.cell_errors:
                what.append(f"{r.cell_errors} cell(s) ended in an error")
            lines.append(f"- `{r.submission}`: " + "; ".join(what) + f" (see `executed/{r.name}.ipynb`)")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
