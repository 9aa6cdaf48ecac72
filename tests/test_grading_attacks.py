"""Grading as a hostile student would attack it: every attack scores 0 (or what its honest parts earn).

Small notebooks are built from the steps chapter's student version (its import cell and exercise
cells): the honest controls (solutions, the untouched student version, half the solutions) and one
notebook per attack. They are graded from the command line with the sandbox, in two runs: every
notebook with two jobs at once, then a poisoner graded right before honest submissions, one at a time.
Afterwards no other submission, grade or course file has changed and no process of a submission lives.
"""
from __future__ import annotations

import copy
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from stepcourse.cli import main
from stepcourse.exercises import registry
from stepcourse.instructor.notebook import cell_text, chapter_exercises, read_notebook, set_cell_text, tags
from stepcourse.instructor.sandbox import bwrap_available
from stepcourse.instructor.student import student_notebook

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "steps"
SOURCE = ROOT / "book" / f"{CHAPTER}.ipynb"
MARKER = f"stepcourse-attack-{uuid.uuid4().hex[:10]}"

# CI installs bubblewrap (.ci/run): there a missing sandbox is a failure, never a skip.
if os.environ.get("CI") and bwrap_available() is not None:
    raise RuntimeError(f"CI must run the attack suite, but the sandbox cannot start: {bwrap_available()}")
pytestmark = pytest.mark.skipif(bwrap_available() is not None, reason=f"no sandbox: {bwrap_available()}")


def course_hashes() -> dict:
    """Hashes of the course's files: all of book/ and stepcourse/ on CI (a clean clone nobody else edits);
    elsewhere (a working tree others may be editing) the files the attacks write to and the grader."""
    if os.environ.get("CI"):
        return tree_hashes(ROOT / "book", ROOT / "stepcourse")
    files = [ROOT / "book" / "intro.md", ROOT / "stepcourse" / "__init__.py",
             ROOT / "stepcourse" / "exercises" / "_core.py", ROOT / "stepcourse" / "exercises" / "_plain.py"]
    hashes = {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}
    hashes.update(tree_hashes(ROOT / "stepcourse" / "instructor"))
    return hashes


def tree_hashes(*folders: Path) -> dict:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for folder in folders
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def labels():
    return [label for label, spec in registry().items() if spec.chapter == CHAPTER]


def points(which=None) -> float:
    """The points of the chapter's exercises (all of them, or those in ``which``)."""
    return float(sum(registry()[label].points for label in (labels() if which is None else which)))


def code_cell(text: str) -> dict:
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": []}
    set_cell_text(cell, text)
    return cell


def mini_student() -> dict:
    """The steps chapter's student version cut down to its import cell and its exercise cells."""
    nb = student_notebook(read_notebook(SOURCE), SOURCE.name)
    keep = []
    for cell in nb["cells"]:
        text = cell_text(cell)
        if cell["cell_type"] != "code":
            continue
        if "setup" in tags(cell) or "exercise" in tags(cell) or ("import stepcourse as sc" in text and not keep[1:]):
            keep.append(cell)
    for cell in keep:  # the chapter's import cell, less what only its figures need
        if "import stepcourse as sc" in cell_text(cell) and "setup" not in tags(cell):
            set_cell_text(cell, "import numpy as np\nimport stepcourse as sc")
    nb["cells"] = keep
    return nb


def solutions() -> dict:
    source = read_notebook(SOURCE)
    return {ex.label: "\n\n".join(cell_text(source["cells"][i]) for i in ex.solution_cells)
            for ex in chapter_exercises(source, CHAPTER)}


def answered(which) -> dict:
    nb = copy.deepcopy(mini_student())
    sols = solutions()
    for ex in chapter_exercises_of(nb):
        if ex[0] in which:
            set_cell_text(nb["cells"][ex[1]], sols[ex[0]])
    return nb


def chapter_exercises_of(nb):
    """(label, index) of the exercise cells of a mini notebook (the check call names the label)."""
    found = []
    for i, cell in enumerate(nb["cells"]):
        for label in labels():
            if f'check("{label}"' in cell_text(cell):
                found.append((label, i))
    return found


def with_cells(nb: dict, *texts: str, first: bool = False) -> dict:
    nb = copy.deepcopy(nb)
    cells = [code_cell(t) for t in texts]
    # After the import cell (index of the cell importing stepcourse), or at the end.
    if first:
        at = next(i for i, c in enumerate(nb["cells"]) if "import stepcourse as sc" in cell_text(c)) + 1
        nb["cells"][at:at] = cells
    else:
        nb["cells"] += cells
    return nb


def attacks(victim: Path, out: Path) -> dict:
    """Attack notebooks by name; ``victim`` is another submission's file, ``out`` the grades folder."""
    stub = mini_student()
    one, two = labels()[:2]
    protected = [str(victim), str(out / "grades.csv"), str(ROOT / "book" / "intro.md"),
                 str(ROOT / "stepcourse" / "exercises" / "_core.py"), str(ROOT / "stepcourse" / "__init__.py")]
    forged = "\n".join([
        "import json, os",
        "lines = [json.dumps({'label': l, 'passed': True, 'points': 1, 'max_points': 1}) for l in "
        f"{labels()!r}]",
        f"lines += [json.dumps({{'label': l, 'attempt': 10**6, 'case': c, 'record': {{'value': 1.0}}}}) "
        f"for l in {labels()!r} for c in range(12)]",
        "for target in [os.environ.get('STEPCOURSE_GRADING_LOG') or 'log.jsonl']:",
        "    open(target, 'a').write('\\n'.join(lines) + '\\n')",
        "try:",
        "    os.write(3, ('\\n'.join(lines) + '\\n').encode())",
        "except OSError:",
        "    pass",
    ])
    always_equal = "\n".join([
        "class Anything:",
        "    def __eq__(self, other): return True",
        "    def __ne__(self, other): return False",
        "    def __float__(self): return 1.0",
        "    def __int__(self): return 1",
        "    def __bool__(self): return True",
        "    def __array__(self, *a, **k): return np.zeros(3)",
        "    def __len__(self): return 3",
        "    def __getitem__(self, i): return self",
        "    def __iter__(self): return iter([self, self, self])",
        "    def __round__(self, *a): return self",
        "everything = lambda *a, **k: Anything()",
    ] + [f"sc.exercises.check({label!r}, everything)" for label in labels()])
    subclass = "\n".join([
        "class Agreeable(np.ndarray):",
        "    def __eq__(self, other): return np.ones(np.shape(other), dtype=bool)",
        "    __ne__ = lambda self, other: np.zeros(np.shape(other), dtype=bool)",
        "    def __array_ufunc__(self, *a, **k): return np.zeros(3).view(Agreeable)",
        "    def __float__(self): return 0.0",
        "agree = lambda *a, **k: np.zeros(3).view(Agreeable)",
    ] + [f"sc.exercises.check({label!r}, agree)" for label in labels()])
    frames = "\n".join([
        "import sys",
        "def peek(*args, **kwargs):",
        "    frame = sys._getframe(1)",
        "    while frame is not None:",
        "        for key in ('expected', 'ref', 'reference', 'want'):",
        "            if key in frame.f_locals:",
        "                return frame.f_locals[key]",
        "        frame = frame.f_back",
        "    return None",
    ] + [f"sc.exercises.check({label!r}, peek)" for label in labels()])
    reference = "\n".join([
        "import importlib",
        "found = []",
        "for name in ('stepcourse.exercises._references', 'stepcourse.exercises._references.steps'):",
        "    try:",
        "        found.append(importlib.import_module(name))",
        "    except ImportError as exc:",
        "        print('blocked:', exc)",
        "if found:",
        "    from stepcourse.exercises._references import lookup",
        f"    for label in {labels()!r}:",
        "        sc.exercises.check(label, lambda *a, label=label: lookup(label)(list(a)))",
        "import stepcourse.exercises.steps as s",
        "print([n for n in dir(s) if 'ref' in n.lower()])",
    ])
    book = "\n".join([
        "import json, glob",
        f"paths = [{str(SOURCE)!r}, {str(ROOT / 'book' / 'steps.ipynb')!r}]",
        "for top in ('/work', '/home', '/root', '/tmp', '/srv', '/opt'):",
        "    paths += glob.glob(top + '/**/*.ipynb', recursive=True)",
        "for path in paths:",
        "    try:",
        "        nb = json.load(open(path))",
        "    except Exception as exc:",
        "        print('cannot read', path, type(exc).__name__)",
        "        continue",
        "    for cell in nb['cells']:",
        "        if 'solution' in cell['metadata'].get('tags', []):",
        "            exec(''.join(cell['source']))",
    ])
    writes = "\n".join([
        "import os, site, sys, sysconfig",
        f"targets = {protected!r}",
        "targets += [os.path.join(p, 'zz_poison.pth') for p in site.getsitepackages()]",
        "targets += [sc.exercises._core.__file__, sc.__file__]",
        "for target in targets:",
        "    try:",
        "        with open(target, 'a') as fh:",
        "            fh.write('\\nimport os  # poisoned\\n')",
        "        print('WROTE', target)",
        "    except OSError as exc:",
        "        print('blocked', target, type(exc).__name__)",
    ])
    survivor = "\n".join([
        "import subprocess, sys",
        "code = ('import time, os\\n'",
        "        'time.sleep(3)\\n'",
        f"        'for t in {[str(out / 'grades.csv'), str(out / 'summary.md')]!r}:\\n'",
        "        '    open(t, \"w\").write(\"forged\")\\n'",
        f"        'time.sleep(60)  # {MARKER}')",
        "subprocess.Popen([sys.executable, '-c', code], start_new_session=True, stdin=subprocess.DEVNULL,",
        "                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)",
        "print('detached child started')",
    ])
    forks = "\n".join([
        "import subprocess, sys",
        "children = []",
        "for i in range(300):",
        "    try:",
        f"        children.append(subprocess.Popen(['/bin/sh', '-c', 'sleep 60  # {MARKER}'],",
        "                                         stdin=subprocess.DEVNULL))",
        "    except OSError as exc:",
        "        print('fork stopped after', i, type(exc).__name__)",
        "        break",
    ])
    read_other = "\n".join([
        "import json",
        f"for path in [{str(victim)!r}, '/home/student/../victim.ipynb']:",
        "    try:",
        "        other = json.load(open(path))",
        "        for cell in other['cells']:",
        "            exec(''.join(cell['source']))",
        "    except Exception as exc:",
        "        print('cannot read', path, type(exc).__name__)",
    ])
    memory = "blocks = []\nfor _ in range(64):\n    blocks.append(np.ones(2**27))  # 1 GB each, 8 GB in all"
    output = "import sys\nchunk = 'x' * 2**20 + '\\n'\nfor _ in range(200):\n    sys.stdout.write(chunk)"
    traceback = "\n".join([
        "ip = get_ipython()",
        "ip.showtraceback = lambda *a, **k: None",
        "ip._showtraceback = lambda *a, **k: None",
    ])
    correct_prints = "\n".join(
        [f"print('[{label}] Correct: well done.')" for label in labels()]
        + ["from IPython.display import display, Markdown",
           "display(Markdown('**Correct** 4 / 4'))"])
    other_chapter = "\n".join([
        "def grad_f(w):",
        "    e = np.exp(w[0] - w[1])",
        "    return np.array([2 * w[0] * w[1] + e, w[0] ** 2 - e])",
        "sc.exercises.check('gradients-partials', grad_f)",
    ])
    monkeypatch = "\n".join([
        "import stepcourse.exercises, stepcourse.exercises._core as core",
        "fake = lambda *a, **k: print('Correct') or True",
        "sc.exercises.check = fake",
        "stepcourse.exercises.check = fake",
        "core.check = fake",
        "core.judge_case = lambda *a, **k: core.CaseResult(True)",
        "core.run_case = lambda *a, **k: {'value': 1.0}",
    ])
    return {
        "monkeypatch_check": with_cells(stub, monkeypatch, first=True),
        "forge_log": with_cells(stub, forged),
        "checker_frames": with_cells(stub, frames),
        "package_reference": with_cells(stub, reference),
        "book_solutions": with_cells(stub, book),
        "write_outside": with_cells(stub, writes),
        "detached_child": with_cells(stub, survivor),
        "other_chapter": with_cells(stub, other_chapter),
        "memory_8gb": with_cells(answered(labels()), memory),
        "output_200mb": with_cells(stub, output),
        "showtraceback": with_cells(stub, traceback, "raise RuntimeError('hidden')", correct_prints, first=True),
        "correct_prints": with_cells(stub, correct_prints),
        "always_equal": with_cells(stub, always_equal),
        "numpy_subclass": with_cells(stub, subclass),
        "fork_loop": with_cells(answered([one]), forks),
        "read_other": with_cells(stub, read_other),
        "segfault": with_cells(answered([one, two]), "import ctypes\nctypes.string_at(0)"),
    }


def grade(*argv) -> int:
    return main(["grade", *map(str, argv)])


def rows_of(out: Path) -> dict:
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        return {Path(r["submission"]).stem: r for r in csv.DictReader(fh)}


def write(nb: dict, path: Path) -> Path:
    nb = copy.deepcopy(nb)
    nb.setdefault("metadata", {})["stepcourse"] = {"student_version": True, "chapter": CHAPTER}
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


def survivors() -> list:
    done = subprocess.run(["pgrep", "-f", MARKER], capture_output=True, text=True)
    return [line for line in done.stdout.split() if line.strip()]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    subs = tmp_path_factory.mktemp("subs")
    out = tmp_path_factory.mktemp("grades")
    shutil.rmtree(out)
    victim = write(answered(labels()), subs / "honest_full.ipynb")
    write(mini_student(), subs / "honest_student.ipynb")
    write(answered(labels()[:2]), subs / "honest_half.ipynb")
    for name, nb in attacks(victim, out).items():
        write(nb, subs / f"attack_{name}.ipynb")
    course_before = course_hashes()
    subs_before = tree_hashes(subs)
    assert grade(subs, "--out", out, "--chapter", CHAPTER, "--jobs", 2, "--timeout", 120) == 0
    grades_after_run = (out / "grades.csv").read_bytes()
    time.sleep(4)  # the detached child would write at 3 s
    return {"out": out, "rows": rows_of(out), "subs": subs, "course_before": course_before,
            "subs_before": subs_before, "grades_after_run": grades_after_run}


HONEST = {"honest_full": None, "honest_student": [], "honest_half": slice(0, 2)}


@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_controls_keep_their_scores(graded, name):
    row = graded["rows"][name]
    which = HONEST[name]
    expected = points(labels()[which] if isinstance(which, slice) else which)
    assert row["status"] == "ok", row
    assert float(row["total"]) == pytest.approx(expected) and float(row["max_total"]) == points()
    assert 0 < points(labels()[:2]) < points()


ZERO = ["monkeypatch_check", "forge_log", "checker_frames", "package_reference", "book_solutions",
        "write_outside", "detached_child", "other_chapter", "output_200mb", "showtraceback",
        "correct_prints", "always_equal", "numpy_subclass", "read_other"]


@pytest.mark.parametrize("name", ZERO)
def test_attack_scores_zero(graded, name):
    row = graded["rows"][f"attack_{name}"]
    assert float(row["total"]) == 0, row
    assert float(row["max_total"]) == points()  # the chapter's maximum, whatever the notebook adds
    assert all(float(row[label]) == 0 for label in labels())


def test_attacks_with_honest_parts_earn_only_those(graded):
    rows = graded["rows"]
    assert float(rows["attack_memory_8gb"]["total"]) == pytest.approx(points())
    assert rows["attack_memory_8gb"]["status"] == "memory limit"
    assert float(rows["attack_fork_loop"]["total"]) == pytest.approx(points(labels()[:1]))
    assert float(rows["attack_segfault"]["total"]) == pytest.approx(points(labels()[:2]))
    assert rows["attack_segfault"]["status"] == "crashed (SIGSEGV)"


def test_another_chapters_exercise_changes_nothing(graded):
    row = graded["rows"]["attack_other_chapter"]
    assert row["chapter"] == CHAPTER and row.get("gradients-partials") is None
    header = (graded["out"] / "grades.csv").read_text().splitlines()[0]
    assert "gradients-partials" not in header


def test_output_is_cut_and_the_status_says_so(graded):
    row = graded["rows"]["attack_output_200mb"]
    assert row["status"] == "output limit"
    log = graded["out"] / "logs" / "attack_output_200mb.output.txt"
    assert log.stat().st_size <= 10 * 2**20 + 100


def test_nothing_outside_the_sandbox_changed(graded):
    assert tree_hashes(graded["subs"]) == graded["subs_before"]
    assert course_hashes() == graded["course_before"]
    assert (graded["out"] / "grades.csv").read_bytes() == graded["grades_after_run"]
    assert "forged" not in (graded["out"] / "summary.md").read_text()


def test_no_process_of_a_submission_outlives_it(graded):
    assert survivors() == []


def test_attack_output_shows_the_walls(graded):
    logs = graded["out"] / "logs"
    writes = (logs / "attack_write_outside.output.txt").read_text()
    assert "WROTE" not in writes and "blocked" in writes
    forks = (logs / "attack_fork_loop.output.txt").read_text()
    assert "fork stopped after" in forks
    assert "blocked:" in (logs / "attack_package_reference.output.txt").read_text()


def test_feedback_shows_no_hidden_input_or_reference(graded):
    text = (graded["out"] / "feedback" / "honest_half.md").read_text()
    assert f"of {points():g} points" in text and "test 1: passed" in text and "not yet" in text
    assert "expected" not in text and "you said" not in text
    log = json.loads((graded["out"] / "logs" / "honest_half.json").read_text())
    assert isinstance(log["seed"], int)
    assert str(log["seed"]) not in text


def test_a_poisoner_graded_first_cannot_reach_the_next(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "grades"
    subs.mkdir()
    poison = "\n".join([
        "import os, site",
        "for p in site.getsitepackages() + ['/tmp', os.path.expanduser('~')]:",
        "    for name in ('zz_poison.pth', 'sitecustomize.py', 'usercustomize.py'):",
        "        try:",
        "            open(os.path.join(p, name), 'w').write(",
        "                'import stepcourse.exercises._core as c; c.judge_case = None\\n')",
        "        except OSError as exc:",
        "            print('blocked', p, type(exc).__name__)",
        "for f in (sc.exercises._core.__file__, sc.exercises.steps.__file__):",
        "    try:",
        "        open(f, 'w').write('')",
        "    except OSError as exc:",
        "        print('blocked', f, type(exc).__name__)",
    ])
    write(with_cells(mini_student(), poison), subs / "a_poisoner.ipynb")
    write(mini_student(), subs / "b_untouched.ipynb")
    write(answered(labels()), subs / "c_full.ipynb")
    before = course_hashes()
    assert grade(subs, "--out", out, "--chapter", CHAPTER, "--jobs", 1, "--timeout", 120) == 0
    rows = rows_of(out)
    assert float(rows["a_poisoner"]["total"]) == 0
    assert float(rows["b_untouched"]["total"]) == 0 and rows["b_untouched"]["status"] == "ok"
    assert float(rows["c_full"]["total"]) == pytest.approx(points())
    assert course_hashes() == before
    # make student afterwards still ships the chapter as it is in book/
    student = tmp_path / "student"
    assert main(["student", CHAPTER, "--out", str(student), "--book", str(ROOT / "book")]) == 0
    assert read_notebook(student / SOURCE.name) == student_notebook(read_notebook(SOURCE), SOURCE.name)


def test_refuses_without_bubblewrap_unless_told(tmp_path, monkeypatch, capsys):
    write(mini_student(), tmp_path / "s.ipynb")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert grade(tmp_path / "s.ipynb", "--out", tmp_path / "g", "--chapter", CHAPTER) == 2
    assert "bubblewrap" in capsys.readouterr().err
    assert grade(tmp_path / "s.ipynb", "--out", tmp_path / "g2", "--chapter", CHAPTER, "--no-sandbox",
                 "--timeout", 120) == 0
    assert "without the sandbox" in (tmp_path / "g2" / "summary.md").read_text()
    assert rows_of(tmp_path / "g2")["s"]["sandboxed"] == "NO"
