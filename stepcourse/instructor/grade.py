"""Grading submitted notebooks so that a submission cannot forge, escape or poison its grade.

For every submission the grader

1. reads the notebook (anything that is not a version-4 notebook is an ``invalid notebook`` row) and
   fixes its chapter: ``--chapter``, else the chapter its student version was made from, else the
   file name; only that chapter's exercises count, and its maximum is the chapter's, whatever the
   notebook contains;
2. draws each exercise's test cases from a fresh secret seed (kept in the grader's log, never shown
   to the submission before it runs);
3. runs the submission's code cells in a bubblewrap sandbox (:mod:`.sandbox`) with the trusted runner
   (:mod:`._runner`): each ``check(label, answer)`` call makes the runner call ``run(answer, case)`` on
   the grader's cases and write the plain-data results out of the sandbox;
4. after the sandbox has exited, decodes the results strictly and compares them with the reference
   answers, computed in the grader's own process (:func:`stepcourse.exercises._core.judge_case`):
   points are split over the test cases, and the last check of a label counts;
5. appends the submission's row to ``grades.csv`` at once (so an interrupted run loses nothing and
   ``--resume`` goes on), writes its feedback file (per test: passed or not, the reason and hint, never
   the inputs or the expected values), its log and its captured output.

Nothing a submission prints, writes or returns as an object decides its grade.
"""
from __future__ import annotations

import csv
import fcntl
import glob
import io
import json
import math
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
import tokenize
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from ..exercises import _core
from .notebook import answer_expression, cell_text, chapter_exercises, check_calls, iter_code, read_notebook
from .sandbox import Limits, bwrap_available, run_job, student_package

__all__ = ["GradeResult", "grade_submissions", "grade_submission", "collect_submissions", "chapter_of",
           "normalized_code", "published_solutions", "STATUSES", "CSV_FIXED"]

#: What ``status`` may say.
STATUSES = ("ok", "timeout", "memory limit", "output limit", "crashed (SIGSEGV)", "crashed",
            "invalid notebook")
#: The columns of grades.csv besides one per exercise label.
CSV_FIXED = ("submission", "chapter", "total", "max_total", "status", "matches_published", "sandboxed",
             "seconds", "detail")
_SIGNALS = {4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM"}


@dataclass
class GradeResult:
    """The grade of one submission."""

    submission: str                       #: the path as given
    name: str                             #: the file-name-safe name of its feedback and logs
    chapter: str = ""
    status: str = "ok"                    #: one of :data:`STATUSES` (``crashed (...)`` names the signal)
    detail: str = ""                      #: what went wrong, for a status other than ``ok``
    scores: Dict[str, float] = field(default_factory=dict)       #: label -> points earned
    max_points: Dict[str, float] = field(default_factory=dict)   #: label -> points available
    tests: Dict[str, list] = field(default_factory=dict)         #: label -> [CaseResult]
    matches_published: List[str] = field(default_factory=list)   #: labels answered with the published text
    sandboxed: bool = True
    seconds: float = 0.0
    seed: Optional[int] = None

    @property
    def total(self) -> float:
        return float(sum(self.scores.values()))

    @property
    def max_total(self) -> float:
        return float(sum(self.max_points.values()))


# -- which submissions, which chapter ----------------------------------------------------------------

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


def chapter_of(nb: dict, path) -> Optional[str]:
    """The chapter a submission answers when no ``--chapter`` is given.

    The chapter its student version was made from (notebook metadata), else the chapter its file is
    named after, else the chapter of the first exercise it checks; ``None`` if none of these is known.
    """
    known = _core.chapters()
    metadata = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    hinted = metadata.get("stepcourse", {}).get("chapter") if isinstance(metadata.get("stepcourse"), dict) else None
    if isinstance(hinted, str) and hinted in known:
        return hinted
    if Path(path).stem in known:
        return Path(path).stem
    specs = _core.registry()
    for _, _, code in iter_code(nb):
        for label in check_calls(code):
            if label in specs:
                return specs[label].chapter
    return None


# -- the published-solution flag -----------------------------------------------------------------------

def normalized_code(code: str) -> str:
    """``code`` without comments, blank lines, check calls or spacing differences (for comparisons)."""
    lines = []
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline)
                  if t.type != tokenize.COMMENT]
        code = tokenize.untokenize(tokens)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        code = "\n".join(line.split("#", 1)[0] for line in code.splitlines())
    for line in code.splitlines():
        if not line.strip() or re.search(r"\bcheck\(", line):
            continue
        lines.append(re.sub(r"\s+", "", line))
    return "\n".join(lines)


def published_solutions(book, chapter: str) -> Dict[str, str]:
    """Label -> normalized text of the published solution code of ``chapter`` in folder ``book``."""
    path = Path(book) / f"{chapter}.ipynb" if book is not None else None
    if path is None or not path.is_file():
        return {}
    try:
        nb = read_notebook(path)
    except ValueError:
        return {}
    return {ex.label: normalized_code("\n".join(cell_text(nb["cells"][i]) for i in ex.solution_cells))
            for ex in chapter_exercises(nb, chapter) if ex.solution_cells}


def _answer_cells(nb: dict, label: str) -> List[str]:
    """The code cells of a submission that call ``check(label, ...)``."""
    return [code for _, _, code in iter_code(nb) if label in check_calls(code)]


# -- one submission -------------------------------------------------------------------------------------

def _read_results(lines: List[str], labels: Sequence[str], counts: Dict[str, int]):
    """label -> {case index: record} from the latest attempt per label, plus whether memory ran out."""
    latest: Dict[str, int] = {}
    records: Dict[str, Dict[int, dict]] = {}
    memory = False
    for line in lines:
        if len(line) > 40 * 2**20:
            continue
        try:
            entry = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            continue
        if type(entry) is not dict:
            continue
        if entry.get("event") == "memory" and len(entry) == 1:
            memory = True
            continue
        if set(entry) != {"label", "attempt", "case", "record"}:
            continue
        label, attempt, case = entry["label"], entry["attempt"], entry["case"]
        if (type(label) is not str or label not in labels or type(attempt) is not int
                or type(case) is not int or not 0 <= case < counts[label]):
            continue
        if attempt > latest.get(label, -1):
            latest[label] = attempt
            records[label] = {}
        if attempt == latest[label]:
            records[label][case] = entry["record"]
    return records, memory


def _status(run, memory: bool, limits: Limits) -> tuple:
    if run.timed_out:
        return "timeout", f"stopped at the time limit of {limits.timeout:g} s; checks run before it count"
    if memory:
        return "memory limit", f"ran out of memory (limit {limits.memory / 2**30:g} GB)"
    code = run.returncode
    if code not in (0, None):
        signal_number = code - 128 if code > 128 else (-code if code < 0 else None)
        if signal_number in _SIGNALS:
            if signal_number == 9:
                return "memory limit", "killed (SIGKILL), most likely by the memory limit"
            return f"crashed ({_SIGNALS[signal_number]})", "the submission's process died; checks run before it count"
        return "crashed", f"the submission's process exited with code {code}; checks run before it count"
    if run.output_cut:
        return "output limit", (f"printed {run.output_bytes / 2**20:.1f} MB; output beyond "
                                f"{limits.output / 2**20:g} MB was cut")
    return "ok", ""


def grade_submission(path, out, *, name: Optional[str] = None, chapter: Optional[str] = None,
                     limits: Limits = Limits(), sandbox: bool = True, package_copy: Optional[Path] = None,
                     book="book") -> GradeResult:
    """Grade one submission into folder ``out`` (feedback, log and output files; not the CSV)."""
    path, out = Path(path), Path(out)
    result = GradeResult(submission=str(path), name=name or path.stem, sandboxed=sandbox)
    started = time.monotonic()
    try:
        nb = read_notebook(path)
        code_cells = [code for _, _, code in iter_code(nb)]
    except (ValueError, TypeError, AttributeError) as exc:
        nb, code_cells = None, []
        result.status, result.detail = "invalid notebook", f"{path.name}: {exc}"[:300]
    result.chapter = chapter or (chapter_of(nb, path) if nb is not None else "") or ""
    specs = _core.registry()
    labels = _core.chapters().get(result.chapter, [])
    result.max_points = {label: specs[label].points for label in labels}
    result.scores = {label: 0.0 for label in labels}
    if nb is not None and not labels:
        result.status = "invalid notebook"
        result.detail = f"{path.name}: no exercise of the course found; pass --chapter NAME"
    if result.status == "invalid notebook":
        result.seconds = time.monotonic() - started
        _write_feedback(result, out)
        return result

    result.seed = secrets.randbits(63)
    raw_cases = {label: specs[label].cases(_core.case_rng(label, result.seed)) for label in labels}
    from ..exercises._plain import encode

    job = {"cells": code_cells, "cases": {label: [encode(c) for c in cs] for label, cs in raw_cases.items()},
           "answers": {}, "case_timeout": limits.case_timeout}
    for label in labels:
        cells = _answer_cells(nb, label)
        job["answers"][label] = answer_expression(cells[-1], label) if cells else None
    owned = package_copy is None
    temp = None
    if owned:
        temp = tempfile.mkdtemp(prefix="stepcourse-pkg-")
        package_copy = student_package(Path(temp) / "pkg")
    try:
        run = run_job(job, package_copy=package_copy, submission=path.resolve(), limits=limits, sandbox=sandbox)
    finally:
        if temp:
            shutil.rmtree(temp, ignore_errors=True)
    counts = {label: len(cs) for label, cs in raw_cases.items()}
    records, memory = _read_results(run.lines, labels, counts)
    for label in labels:
        spec = specs[label]
        got = records.get(label, {})
        results = []
        for i, case in enumerate(raw_cases[label]):
            if i in got:
                results.append(_core.judge_case(spec, got[i], case))
            else:
                results.append(_core.CaseResult(False, "no result for this test (the check was never called "
                                                "with an answer, or the run stopped before it)"))
        result.tests[label] = results
        result.scores[label] = _core.score(spec, results)
    result.status, result.detail = _status(run, memory, limits)
    if run.results_truncated:
        result.detail = (result.detail + "; " if result.detail else "") + "results beyond the size limit were dropped"
    published = published_solutions(book, result.chapter)
    for label in labels:
        mine = [normalized_code(c) for c in _answer_cells(nb, label)]
        if label in published and published[label] and published[label] in mine:
            result.matches_published.append(label)
    result.seconds = time.monotonic() - started
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    (logs / f"{result.name}.output.txt").write_bytes(
        run.output + (b"\n[output cut]\n" if run.output_cut else b""))
    log = {"submission": result.submission, "chapter": result.chapter, "seed": result.seed,
           "status": result.status, "detail": result.detail, "sandboxed": sandbox,
           "returncode": run.returncode, "timed_out": run.timed_out, "output_bytes": run.output_bytes,
           "seconds": round(result.seconds, 3), "graded": datetime.now().isoformat(timespec="seconds"),
           "tests": {label: [{"passed": r.passed, "reason": r.reason} for r in rs]
                     for label, rs in result.tests.items()}}
    (logs / f"{result.name}.json").write_text(json.dumps(log, indent=1) + "\n", encoding="utf-8")
    _write_feedback(result, out)
    return result


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _write_feedback(result: GradeResult, out: Path) -> None:
    """``feedback/<name>.md``: per exercise the score and each test's result, reason and hint."""
    specs = _core.registry()
    folder = out / "feedback"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"# Feedback: {Path(result.submission).name}", "",
             f"Chapter **{result.chapter or '?'}**: {_fmt(result.total)} of {_fmt(result.max_total)} points. "
             f"Status: {result.status}" + (f" ({result.detail})" if result.detail else "") + ".", ""]
    if not result.sandboxed:
        lines += ["*Graded without the sandbox.*", ""]
    for label, points in result.max_points.items():
        tests = result.tests.get(label, [])
        passed = sum(t.passed for t in tests)
        lines += [f"## {specs[label].title} (`{label}`): {_fmt(result.scores.get(label, 0))} of {_fmt(points)}", ""]
        if tests:
            lines.append(f"{passed} of {len(tests)} tests pass.")
            lines.append("")
            for i, test in enumerate(tests, start=1):
                if test.passed:
                    lines.append(f"- test {i}: passed")
                else:
                    text = f"- test {i}: not yet: {test.reason}"
                    if test.hint:
                        text += f". Hint: {test.hint}"
                    lines.append(text)
            lines.append("")
    (folder / f"{result.name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- many submissions ----------------------------------------------------------------------------------

def _row(result: GradeResult, labels: List[str]) -> List[str]:
    scores = [_fmt(result.scores[label]) if label in result.scores else "" for label in labels]
    return [result.submission, result.chapter, *scores, _fmt(result.total), _fmt(result.max_total),
            result.status, " ".join(result.matches_published), "yes" if result.sandboxed else "NO",
            f"{result.seconds:.1f}", result.detail]


def _header(labels: List[str]) -> List[str]:
    return [CSV_FIXED[0], CSV_FIXED[1], *labels, *CSV_FIXED[2:]]


def _csv_line(row: List[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(row)
    return buffer.getvalue()


_APPEND_LOCK = threading.Lock()


def append_row(path: Path, row: List[str]) -> None:
    """Append one CSV row in a single write under a lock: a crash never leaves half a row behind."""
    data = _csv_line(row).encode("utf-8")
    with _APPEND_LOCK:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def read_rows(path: Path) -> List[dict]:
    """The rows of an existing grades.csv (an empty list if there is none)."""
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def grade_submissions(items: Sequence[str], out, *, chapter: Optional[str] = None, timeout: float = 300.0,
                      memory: int = 2 * 2**30, output_limit: int = 10 * 2**20, max_procs: int = 128,
                      jobs: int = 1, force: bool = False, resume: bool = False, sandbox: bool = True,
                      book="book", protected=()) -> List[GradeResult]:
    """Grade every submission in ``items`` into folder ``out``; returns the results of this run.

    Writes ``grades.csv`` (a row per submission, appended as each finishes), ``summary.md`` (at the
    end, from every row), ``feedback/<name>.md`` and ``logs/``. ``resume`` skips submissions that
    already have a row; ``force`` starts from an empty folder. Without ``sandbox`` (``--no-sandbox``)
    the submissions run unconfined and the report says so. Raises ``ValueError`` for bad arguments,
    a folder in use, or a missing sandbox.
    """
    if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds; got {timeout!r}")
    if not (isinstance(jobs, int) and jobs >= 1):
        raise ValueError(f"jobs must be a whole number >= 1; got {jobs!r}")
    if force and resume:
        raise ValueError("--force starts clean and --resume goes on: choose one")
    known = _core.chapters()
    if chapter is not None and chapter not in known:
        raise ValueError(f"no chapter {chapter!r} has exercises; chapters: {', '.join(known)}")
    if sandbox:
        why = bwrap_available()
        if why:
            raise ValueError(f"{why}. Refusing to grade unsandboxed: pass --no-sandbox to run submissions "
                             f"without protection (the report will say so)")
    paths = collect_submissions(items)
    names = _names(paths)
    out = Path(out)
    for source in protected:
        if Path(source).resolve() == out.resolve():
            raise ValueError(f"--out {str(out)!r} is the source folder {str(source)!r}; choose a new folder")
    csv_path = out / "grades.csv"
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {str(out)!r} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        if force:
            for entry in ("grades.csv", "summary.md", "feedback", "logs", "executed"):
                target = out / entry
                if target.is_dir():
                    shutil.rmtree(target)
                elif target.exists():
                    target.unlink()
        elif not resume:
            raise ValueError(f"--out {str(out)!r} is not empty; pass --resume to go on with the submissions "
                             f"not graded yet, or --force (make: FORCE=1) to start again")
    out.mkdir(parents=True, exist_ok=True)

    chapters_of = {}
    for path in paths:
        try:
            chapters_of[path] = chapter or chapter_of(read_notebook(path), path) or ""
        except ValueError:
            chapters_of[path] = chapter or ""
    wanted = {c for c in chapters_of.values() if c}
    labels = [label for c, own in known.items() if c in wanted for label in own]
    done = {row["submission"] for row in read_rows(csv_path)} if resume else set()
    if csv_path.is_file() and resume:
        with open(csv_path, newline="", encoding="utf-8") as fh:
            existing = next(csv.reader(fh), [])
        have = [c for c in existing if c not in CSV_FIXED]
        if not set(labels) <= set(have):
            raise ValueError("grades.csv in --out was written for other chapters; use a new folder or --force")
        labels = have
    else:
        with open(csv_path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerow(_header(labels))
    limits = Limits(timeout=float(timeout), memory=int(memory), output=int(output_limit), processes=int(max_procs))
    temp = tempfile.mkdtemp(prefix="stepcourse-pkg-")
    try:
        package_copy = student_package(Path(temp) / "pkg")

        def one(args):
            path, name = args
            result = grade_submission(path, out, name=name, chapter=chapters_of[path] or None, limits=limits,
                                      sandbox=sandbox, package_copy=package_copy, book=book)
            append_row(csv_path, _row(result, labels))
            return result

        todo = [(p, n) for p, n in zip(paths, names) if str(p) not in done]
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(one, todo))
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    write_summary(read_rows(csv_path), out / "summary.md", labels=labels, limits=limits, sandbox=sandbox)
    return results


def write_summary(rows: List[dict], path, *, labels: List[str], limits: Limits, sandbox: bool) -> None:
    """A Markdown summary from the rows of grades.csv: one line per submission, then each exercise."""
    specs = _core.registry()
    rows = sorted(rows, key=lambda r: r["submission"])  # grades.csv holds them in the order they finished
    lines = ["# Grades", ""]
    if not sandbox or any(r.get("sandboxed") == "NO" for r in rows):
        lines += ["**Warning: submissions were graded without the sandbox (--no-sandbox).** Their code ran "
                  "with the grader's rights; a hostile submission could have changed files or grades.", ""]
    lines += [f"{len(rows)} submission(s), summary written {datetime.now():%Y-%m-%d %H:%M}; limits per "
              f"submission: {limits.timeout:g} s, {limits.memory / 2**30:g} GB, "
              f"{limits.output / 2**20:g} MB of output, {limits.processes} processes. Scores: `grades.csv`; "
              f"per-test feedback: `feedback/`; seeds and output: `logs/`.", "",
              "| submission | chapter | status | total | matches published | " + " | ".join(labels) + " |",
              "|---|---|---|---|---|" + "---|" * len(labels)]
    for r in rows:
        marks = [r.get(label, "") for label in labels]
        lines.append(f"| {r['submission']} | {r['chapter']} | {r['status']} | {r['total']} / {r['max_total']} | "
                     f"{r['matches_published']} | " + " | ".join(marks) + " |")
    lines += ["", "## Exercises", "", "| exercise | chapter | points | full marks | mean |", "|---|---|---|---|---|"]
    for label in labels:
        graded = [r for r in rows if r.get(label, "") != ""]
        if not graded:
            continue
        points = specs[label].points if label in specs else float("nan")
        full = sum(1 for r in graded if float(r[label]) >= points)
        mean = sum(float(r[label]) for r in graded) / len(graded)
        chapter = specs[label].chapter if label in specs else ""
        lines.append(f"| {label} | {chapter} | {points:g} | {full} of {len(graded)} | {mean:.2f} |")
    problems = [r for r in rows if r["status"] != "ok" or r["detail"] or r["matches_published"]]
    if problems:
        lines += ["", "## To look at", ""]
        for r in problems:
            what = [r["status"]] + ([r["detail"]] if r["detail"] else [])
            if r["matches_published"]:
                what.append("answers match the published solutions: " + r["matches_published"])
            lines.append(f"- `{r['submission']}`: " + "; ".join(what))
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
