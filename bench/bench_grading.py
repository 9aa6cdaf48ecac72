"""Grading speed: seconds per submission with and without the sandbox, and 40 submissions with 2 jobs.

Submissions are made from the steps chapter: its source notebook (the whole chapter with every solution:
what a real submission costs), and a small notebook of its import and exercise cells only (where the
sandbox's fixed cost weighs most). Each is graded REPEAT times with bubblewrap and with --no-sandbox,
one at a time; then 40 small submissions are graded with --jobs 2 (and, with --full, 40 whole chapters).

Run: .venv/bin/python bench/bench_grading.py [--repeat 3] [--full]
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from stepcourse.instructor.grade import grade_submissions  # noqa: E402
from stepcourse.instructor.notebook import read_notebook  # noqa: E402


def small_submission() -> dict:
    from test_grading_attacks import answered, labels

    nb = answered(labels())
    nb.setdefault("metadata", {})["stepcourse"] = {"chapter": "steps"}
    return nb


def timed(folder: Path, out: Path, sandbox: bool, jobs: int = 1) -> float:
    start = time.perf_counter()
    results = grade_submissions([str(folder)], out, chapter="steps", sandbox=sandbox, jobs=jobs, force=True,
                                timeout=600)
    seconds = time.perf_counter() - start
    bad = [r for r in results if r.status != "ok" or r.total != r.max_total]
    if bad:
        raise SystemExit(f"unexpected grades: {[(r.submission, r.status, r.total) for r in bad]}")
    return seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="also grade 40 whole chapters with --jobs 2")
    args = parser.parse_args()
    kinds = {"whole chapter": read_notebook(ROOT / "book" / "steps.ipynb"), "small notebook": small_submission()}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        per = {}
        for kind, nb in kinds.items():
            folder = tmp / kind.replace(" ", "_")
            folder.mkdir()
            (folder / "steps.ipynb").write_text(json.dumps(nb), encoding="utf-8")
            times = {True: [], False: []}
            for _ in range(args.repeat):  # alternate, so that a change in the machine's load hits both
                for sandbox in (True, False):
                    times[sandbox].append(timed(folder, tmp / "out", sandbox))
            for sandbox in (True, False):
                per[kind, sandbox] = statistics.median(times[sandbox])
            overhead = per[kind, True] / per[kind, False] - 1
            print(f"{kind:15s} sandbox {per[kind, True]:6.2f} s   no sandbox {per[kind, False]:6.2f} s   "
                  f"overhead {100 * overhead:+5.1f} %   (median of {args.repeat})")
        sets = [("small notebook", kinds["small notebook"])] + ([("whole chapter", kinds["whole chapter"])]
                                                             if args.full else [])
        for kind, nb in sets:
            folder = tmp / f"forty_{kind.replace(' ', '_')}"
            folder.mkdir()
            for i in range(40):
                (folder / f"student{i:02d}.ipynb").write_text(json.dumps(copy.deepcopy(nb)), encoding="utf-8")
            seconds = timed(folder, tmp / "out40", True, jobs=2)
            print(f"40 x {kind:15s} --jobs 2: {seconds:6.1f} s ({seconds / 40:.2f} s each); "
                  f"300 at this rate: {300 * seconds / 40 / 60:.1f} min")
        whole = per["whole chapter", True]
        print(f"300 whole chapters, --jobs 2, estimated from one at a time: {300 * whole / 2 / 60:.1f} min "
              f"(two cores)")


if __name__ == "__main__":
    main()
