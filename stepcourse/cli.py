"""The ``stepcourse`` command: what an instructor needs, one command each.

::

    stepcourse exercises [CHAPTER ...]                      list the exercises: label, points, title
    stepcourse student [CHAPTER ...] --out DIR [--force]    the student version (no solutions, no hidden tests)
    stepcourse grade SUBMISSION ... --out DIR [--chapter NAME]  grade in a sandbox: CSV, summary, feedback
    stepcourse nbgrader [CHAPTER ...] --out DIR [--force]   nbgrader source notebooks, for nbgrader users

A CHAPTER is a notebook name in ``book/`` (``steps``) or a path; none means every chapter. The source
notebooks are only ever read. Run ``stepcourse COMMAND --help`` for the options.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import List, Optional

__all__ = ["main"]


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def _size(text) -> int:
    if isinstance(text, int):
        return text
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)[bB]?\s*", str(text))
    if not match:
        raise argparse.ArgumentTypeError(f"expected a size such as 2G or 500M, got {text!r}")
    value = float(match.group(1)) * {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}[match.group(2).lower()]
    if value < 2**20:
        raise argparse.ArgumentTypeError(f"expected at least 1M, got {text!r}")
    return int(value)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stepcourse", description="Instructor tools for the Step by Step course: list the exercises, "
        "make a student version, grade submissions.",
        epilog="The chapter notebooks are only read, never written.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def book_option(p):
        p.add_argument("--book", default="book", metavar="DIR",
                       help="folder of the chapter notebooks (default: %(default)s)")

    def chapters_to_folder(p):
        # The options of the commands that write a version of the chapters into a new folder.
        p.add_argument("chapters", nargs="*", metavar="CHAPTER", help="chapter name or notebook path (default: all)")
        p.add_argument("--out", required=True, metavar="DIR", help="folder to write (must be new or empty)")
        p.add_argument("--force", action="store_true", help="write into a folder that is not empty")
        book_option(p)

    p = sub.add_parser("exercises", help="list the exercises of the chapters",
                       description="List each exercise: chapter, label, points, title. Exits with 1 if an "
                       "exercise has no registered check.")
    p.add_argument("chapters", nargs="*", metavar="CHAPTER", help="chapter name or notebook path (default: all)")
    book_option(p)

    p = sub.add_parser("student", help="make the student version of chapters",
                       description="Write the student version of the chapters into a new folder: solution "
                       "blocks and hidden-test cells removed, exercise cells kept, outputs cleared; plus "
                       "requirements.txt and a README. Nothing else in book/ is needed to run them.")
    chapters_to_folder(p)

    p = sub.add_parser("grade", help="grade submitted notebooks",
                       description="Run each submission in a bubblewrap sandbox (read-only Python, no "
                       "network, its own PID namespace, limits) on test cases drawn from a fresh secret "
                       "seed; compare what it returns with the reference answers outside the sandbox. "
                       "Writes grades.csv (a row as each submission finishes), summary.md, feedback/ and "
                       "logs/ into the folder.")
    p.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                   help="a notebook, a folder of notebooks, or a glob pattern")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the grades (must be new or empty)")
    p.add_argument("--chapter", metavar="NAME",
                   help="the assignment: only this chapter's exercises count, its maximum for everyone "
                   "(default: each notebook's own chapter, from its metadata or file name)")
    p.add_argument("--timeout", type=_positive_float, default=300.0, metavar="SECONDS",
                   help="wall time per submission (default: %(default)g)")
    p.add_argument("--memory", type=_size, default="2G", metavar="SIZE",
                   help="memory per submission, e.g. 2G or 512M (default: 2G)")
    p.add_argument("--output-limit", type=_size, default="10M", metavar="SIZE",
                   help="output kept per submission; more is cut and the status says so (default: 10M)")
    p.add_argument("--max-procs", type=_positive_int, default=128, metavar="N",
                   help="processes per submission (default: %(default)s)")
    p.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                   help="submissions run at once, each in its own sandbox (default: %(default)s)")
    p.add_argument("--force", action="store_true", help="start clean in a folder that is not empty")
    p.add_argument("--resume", action="store_true", help="go on: skip submissions grades.csv already has")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run without bubblewrap (macOS, Windows): NOT safe for marks; the report warns")
    book_option(p)

    p = sub.add_parser("nbgrader", help="export nbgrader source notebooks",
                       description="Write DIR/source/<chapter>/<chapter>.ipynb with nbgrader metadata and "
                       "### BEGIN SOLUTION markers, and DIR/nbgrader_config.py; then run "
                       "`nbgrader generate_assignment <chapter>` in DIR.")
    chapters_to_folder(p)
    return parser


def _exercises(args) -> int:
    from .exercises import registry
    from .instructor.notebook import chapter_exercises, read_notebook, resolve_chapters

    checks = registry()
    rows, missing = [], []
    for path in resolve_chapters(args.chapters, args.book):
        for ex in chapter_exercises(read_notebook(path), path.stem):
            check = checks.get(ex.label)
            if check is None:
                missing.append(f"{ex.label} ({path.name})")
            rows.append((ex.chapter, ex.label, f"{check.points:g}" if check else "-", ex.title))
    header = ("chapter", "label", "points", "title")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(3)]
    for row in [header] + rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + row[3])
    total = sum(checks[r[1]].points for r in rows if r[1] in checks)
    print(f"\n{len(rows)} exercise(s), {total:g} point(s)")
    if missing:
        print("no registered check for: " + ", ".join(missing), file=sys.stderr)
        return 1
    return 0


def _student(args) -> int:
    from .instructor.notebook import resolve_chapters
    from .instructor.student import make_student

    chapters = resolve_chapters(args.chapters, args.book)
    written = make_student(chapters, args.out, book=args.book, force=args.force)
    notebooks = [p for p in written if p.suffix == ".ipynb"]
    print(f"wrote the student version of {len(notebooks)} chapter(s) into {args.out}/: "
          + ", ".join(p.name for p in notebooks))
    return 0


def _grade(args) -> int:
    from .instructor.grade import grade_submissions

    protected = [args.book] if Path(args.book).is_dir() else []
    if args.no_sandbox:
        print("stepcourse grade: WARNING: --no-sandbox: submissions run with your rights; grades from "
              "this run are not safe against a hostile submission", file=sys.stderr)
    results = grade_submissions(args.submissions, args.out, chapter=args.chapter, timeout=args.timeout,
                                memory=_size(args.memory), output_limit=_size(args.output_limit),
                                max_procs=args.max_procs, jobs=args.jobs, force=args.force,
                                resume=args.resume, sandbox=not args.no_sandbox, book=args.book,
                                protected=protected)
    for r in results:
        print(f"{r.submission}: {r.total:.4g} / {r.max_total:.4g}  [{r.status}]")
    print(f"grades: {Path(args.out) / 'grades.csv'}; summary: {Path(args.out) / 'summary.md'}; "
          f"feedback: {Path(args.out) / 'feedback'}/")
    return 0


def _nbgrader(args) -> int:
    from .instructor.nbgrader import export_nbgrader
    from .instructor.notebook import resolve_chapters

    chapters = resolve_chapters(args.chapters, args.book)
    written = export_nbgrader(chapters, args.out, force=args.force, book=args.book)
    print(f"wrote {len(written) - 1} nbgrader source notebook(s) and nbgrader_config.py into {args.out}/; "
          f"next: cd {args.out} && nbgrader generate_assignment {chapters[0].stem}")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Run the ``stepcourse`` command with ``argv`` (default: the command line); returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    commands = {"exercises": _exercises, "student": _student, "grade": _grade, "nbgrader": _nbgrader}
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return commands[args.command](args)
    except ValueError as exc:  # a bad chapter, folder or notebook: say so, no traceback
        print(f"stepcourse {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
