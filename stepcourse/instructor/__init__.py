"""Tools for instructors: a student version of the chapters, grading of submissions, an nbgrader export.

The chapter notebooks in ``book/`` are the single source. Their exercises use a fixed format (see
``CONTRIBUTING.md``): a ``{exercise}`` directive with a ``:label:``, a code cell tagged ``exercise`` that
ends with ``sc.exercises.check(label, answer)``, and the solution between ``{solution-start}`` and
``{solution-end}`` with its code cells tagged ``solution``. Hidden claims are cells tagged
``hidden-test``. Everything here reads that format and never writes to the source.

- :mod:`.notebook` reads notebooks and finds exercises, solution blocks and fences in Markdown;
- :mod:`.student` makes the student version (solutions and hidden tests out, outputs cleared);
- :mod:`.grade` executes submissions, each in its own kernel with a time limit, and scores them;
- :mod:`.nbgrader` exports nbgrader source notebooks for instructors who run nbgrader.

The ``stepcourse`` command (:mod:`stepcourse.cli`) is the front end.
"""
from .notebook import Exercise, chapter_exercises, find_chapters, read_notebook, write_notebook
from .student import make_student, student_notebook
from .grade import GradeResult, grade_submissions, score_log

__all__ = ["Exercise", "chapter_exercises", "find_chapters", "read_notebook", "write_notebook",
           "make_student", "student_notebook", "GradeResult", "grade_submissions", "score_log"]
