"""Tools for instructors: a student version of the chapters, grading of submissions, an nbgrader export.

The chapter notebooks in ``book/`` are the single source. Their exercises use a fixed format (see
``CONTRIBUTING.md``): a ``{exercise}`` directive with a ``:label:``, a code cell tagged ``exercise`` that
ends with ``sc.exercises.check(label, answer)``, and the solution between ``{solution-start}`` and
``{solution-end}`` with its code cells tagged ``solution``. Hidden claims are cells tagged
``hidden-test``. Everything here reads that format and never writes to the source.

- :mod:`.notebook` reads notebooks and finds exercises, solution blocks and fences in Markdown;
- :mod:`.student` makes the student version (solutions and hidden tests out, outputs cleared);
- :mod:`.grade` grades submissions: each runs in a bubblewrap sandbox (:mod:`.sandbox`, with the trusted
  runner :mod:`._runner`), returns plain data, and the grader compares it with references outside;
- :mod:`.nbgrader` exports nbgrader source notebooks for instructors who run nbgrader.

The ``stepcourse`` command (:mod:`stepcourse.cli`) is the front end.
"""
from .notebook import Exercise, chapter_exercises, find_chapters, read_notebook, write_notebook
from .student import make_student, student_notebook

__all__ = ["Exercise", "chapter_exercises", "find_chapters", "read_notebook", "write_notebook",
           "make_student", "student_notebook", "GradeResult", "grade_submissions"]


def __getattr__(name):  # the grader loads on first use: the sandboxed runner never needs it
    if name in ("GradeResult", "grade_submissions"):
        from . import grade

        return getattr(grade, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
