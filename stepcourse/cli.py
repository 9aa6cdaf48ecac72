"""The ``stepcourse`` command: what an instructor needs, one command each.

::

    stepcourse exercises [CHAPTER ...]                      list the exercises: label, points, title
    stepcourse student [CHAPTER ...] --out DIR [--force]    the student version (no solutions, no hidden tests)
    stepcourse grade SUBMISSION ... --out DIR [--timeout S] grade notebooks into a CSV and a summary
    stepcourse nbgrader [CHAPTER ...] --out DIR [--force]   nbgrader source notebooks, for nbgrader users

A CHAPTER is a notebook name in ``book/`` (``steps``) or a path; none means every chapter. The source
notebooks are only ever read. Run ``stepcourse COMMAND --help`` for the options.
"""
from __future__ import annotations

import argparse
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stepcourse", description="Instructor tools for the Step by Step course: list the exercises, "
        "make a student version, grade submissions.",
        epilog="The chapter notebooks are only read, never written.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def book_option(p):
        p.add_argument("--book", default="book", metavar="DIR",
                       help="folder of the chapter notebooks (default: %(default)s)")

    p = sub.add_parser("exercises", help="list the exercises of the chapters",
                       description="List each exercise: chapter, label, points, title. Exits with 1 if an "
                       "exercise has no registered check.")
    p.add_argument("chapters", nargs="*", metavar="CHAPTER", help="chapter name or notebook path (default: all)")
    book_option(p)

    p = sub.add_parser("student", help="make the student version of chapters",
                       description="Write the student version of the chapters into a new folder: solution "
                       "blocks and hidden-test cells removed, exercise cells kept, outputs cleared; plus "
                       "requirements.txt and a README. Nothing else in book/ is needed to run them.")
    p.add_argument("chapters", nargs="*", metavar="CHAPTER", help="chapter name or notebook path (default: all)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write (must be new or empty)")
    p.add_argument("--force", action="store_true", help="write into a folder that is not empty")
    book_option(p)

    p = sub.add_parser("grade", help="grade submitted notebooks",
                       description="Execute each submission in its own kernel with a time limit and "
                       "STEPCOURSE_GRADING_LOG set; score each exercise by the last check result for its "
                       "label. Writes grades.csv, summary.md, logs/ and executed/ into the folder.")
    p.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                   help="a notebook, a folder of notebooks, or a glob pattern")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the grades (must be new or empty)")
    p.add_argument("--timeout", type=_positive_float, default=300.0, metavar="SECONDS",
                   help="time limit per submission, kernel start included (default: %(default)g)")
    p.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                   help="submissions run at once, each in its own kernel (default: %(default)s)")
    p.add_argument("--kernel", default="python3", metavar="NAME",
                   help="Jupyter kernel to run them with (default: %(default)s)")
    p.add_argument("--force", action="store_true", help="write into a folder that is not empty")
    book_option(p)

    p = sub.add_parser("nbgrader", help="export nbgrader source notebooks",
                       description="Write DIR/source/<chapter>/<chapter>.ipynb with nbgrader metadata and "
                       "### BEGIN SOLUTION markers, and DIR/nbgrader_config.py; then run "
                       "`nbgrader generate_assignment <chapter>` in DIR.")
    p.add_argument("chapters", nargs="*", metavar="CHAPTER", help="chapter name or notebook path (default: all)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write (must be new or empty)")
    p.add_argument("--force", action="store_true", help="write into a folder that is not empty")
    book_option(p)
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
    try:
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError:
        print("stepcourse grade needs nbclient, nbformat and ipykernel: pip install 'stepcourse[book]'",
              file=sys.stderr)
        return 2
    from .instructor.grade import grade_submissions

    protected = [args.book] if Path(args.book).is_dir() else []
    results = grade_submissions(args.submissions, args.out, timeout=args.timeout, jobs=args.jobs,
                                force=args.force, kernel_name=args.kernel, book=args.book,
                                protected=protected)
    for r in results:
        print(f"{r.submission}: {r.total:g} / {r.max_total:g}  [{r.status}]")
    print(f"grades: {Path(args.out) / 'grades.csv'}; summary: {Path(args.out) / 'summary.md'}")
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
