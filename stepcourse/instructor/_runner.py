"""The trusted runner that executes one submission inside the grading sandbox.

Started by :mod:`stepcourse.instructor.sandbox` as ``python -I -B -m stepcourse.instructor._runner``
with the job (the submission's code cells, the chapter's labels, the grader's test cases) as JSON on
standard input. It

1. reads the whole job, then (when it starts as root in a sandbox) drops to an unprivileged user;
2. replaces ``sc.exercises.check`` by a recorder: each call ``check(label, answer)`` runs the spec's
   ``run(answer, case)`` on the grader's cases at once and writes the plain-data results, one JSON line
   per case, to file descriptor 3; the call returns a note, not a verdict;
3. executes the code cells in an IPython shell (errors are shown and the next cell runs);
4. for every label never checked, looks the answer up by the name the notebook's check call gives.

Nothing here decides a grade: the grader compares the results with its references after the sandbox
has exited. The package this runs from has no reference answers.
"""
from __future__ import annotations

import json
import os
import signal
import sys


class _CaseTimeout(BaseException):
    """A test case ran past its time limit (a BaseException, so ``except Exception`` does not eat it)."""


class Recorded:
    """What ``check`` returns while grading: the answer is recorded, the verdict comes later."""

    def __init__(self, label: str, graded: bool):
        self.label, self.graded = label, graded
        self.passed = False

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        if self.graded:
            return f"[{self.label}] answer recorded for grading"
        return f"[{self.label}] not part of this assignment"


def _drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getuid() == 0 or os.geteuid() == 0:
        raise SystemExit("could not drop root privileges")


def main() -> int:
    job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    sys.stdin.close()
    if job.get("drop_to") is not None and os.getuid() == 0:
        _drop_privileges(int(job["drop_to"]))
    results = os.fdopen(3, "w", encoding="utf-8", buffering=1)

    def emit(obj) -> None:
        try:
            results.write(json.dumps(obj, allow_nan=False) + "\n")
            results.flush()
        except (OSError, ValueError):
            pass

    import numpy as np  # noqa: F401  (first import outside any cell: its cost is not a cell's)

    import stepcourse.exercises as exercises
    from stepcourse.exercises import _core

    specs = _core.registry()
    cases = job["cases"]
    case_timeout = float(job.get("case_timeout", 20.0))
    attempts = {"n": 0}
    graded = set()

    def on_alarm(signum, frame):
        raise _CaseTimeout()

    def grade(label, answer) -> None:
        attempts["n"] += 1
        attempt = attempts["n"]
        graded.add(label)
        spec = specs[label]
        for i, case in enumerate(cases[label]):
            previous = signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, case_timeout)
            try:
                record = _core.run_case(spec, answer, case)
            except _CaseTimeout:
                record = {"error": {"reason": f"this test took longer than {case_timeout:g} s",
                                    "hint": "look for a loop that never ends", "message": ""}}
            except MemoryError:
                emit({"event": "memory"})
                record = {"error": {"reason": "this test ran out of memory", "hint": None, "message": ""}}
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
            emit({"label": label, "attempt": attempt, "case": i, "record": record})

    def graded_check(label, answer=None, *args, **kwargs):
        if label in cases:
            grade(label, answer)
            return Recorded(label, True)
        return Recorded(str(label), False)

    exercises.check = graded_check
    _core.check = graded_check

    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="NoColor")
    shell.display_formatter.active_types = ["text/plain"]  # no HTML or widget exports: text is enough
    shell.user_ns["__name__"] = "__main__"
    for index, code in enumerate(job["cells"]):
        print(f"--- cell {index} ---", flush=True)
        try:
            result = shell.run_cell(code, store_history=False)
        except MemoryError:
            emit({"event": "memory"})
            continue
        error = result.error_in_exec or result.error_before_exec
        if isinstance(error, MemoryError):
            emit({"event": "memory"})
        sys.stdout.flush()

    # Labels whose check was never called: the answer by the name the notebook's check call passes.
    for label, name in job.get("answers", {}).items():
        if label in graded or label not in cases:
            continue
        answer = None
        if isinstance(name, str) and name and all(part.isidentifier() for part in name.split(".")):
            head, *rest = name.split(".")
            answer = shell.user_ns.get(head)
            try:
                for part in rest:
                    answer = getattr(answer, part)
            except Exception:
                answer = None
        grade(label, answer)
    emit({"event": "done"})
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)
