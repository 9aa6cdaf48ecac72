"""The student version of the chapters: solutions and hidden tests removed, outputs cleared.

What goes:

- every solution block, from the ``{solution-start}`` fence to the end of the ``{solution-end}`` fence
  inclusive, whether it spans cells or shares a Markdown cell with other text (only the block goes),
  and any one-piece ``{solution}`` directive;
- code cells tagged ``solution`` or ``hidden-test``;
- all outputs and execution counts, and saved widget state.

What stays: everything else, in particular the exercise text, the stub cells tagged ``exercise`` (they
call the check, which answers "Not yet" until the reader writes an answer) and the ``setup`` cell that
installs the package on Colab or Binder. The source notebooks are only read.
"""
from __future__ import annotations

import copy
import re
import shlex
import shutil
from pathlib import Path
from typing import List, Optional

from .notebook import cell_text, directive, fences, read_notebook, set_cell_text, tags, write_notebook

__all__ = ["student_notebook", "make_student", "prepare_out_dir", "REMOVED_TAGS"]

#: Code cells with one of these tags are not in the student version.
REMOVED_TAGS = ("solution", "hidden-test")

_STUDENT_README = """\
# {title}: student version

Each chapter ends with exercises. Write your answer in the cell below each exercise, where the `...`
is, and run the cell: `sc.exercises.check(...)` says "Correct" or "Not yet" with a hint.

To run the notebooks you need Python 3.10 or later and the course package:

```bash
pip install -r requirements.txt
jupyter lab          # or jupyter notebook
```

On Colab or Binder the first cell of each notebook installs the package by itself. Nothing else is
needed: the data sets are made in code or ship inside the package.

Keep the cells that call `sc.exercises.check(...)`: they are how your answers are graded.
"""


def _strip_markdown(text: str, inside: Optional[str], where: str):
    """Drop solution directives from Markdown ``text``; returns ``(kept text, label still open or None)``."""
    lines = text.splitlines(keepends=True)
    kept: List[str] = []
    pos = 0
    for fence in fences(lines):
        name, arg = directive(fence.info)
        if inside is not None:
            if name == "solution-end":
                inside, pos = None, fence.end + 1
            continue
        if name == "solution":
            kept.extend(lines[pos:fence.start])
            pos = fence.end + 1
        elif name == "solution-start":
            kept.extend(lines[pos:fence.start])
            pos = fence.end + 1
            inside = arg.split()[0] if arg.split() else "(no label)"
        elif name == "solution-end":
            raise ValueError(f"{where}: a {{solution-end}} without a {{solution-start}} before it")
    if inside is None:
        kept.extend(lines[pos:])
    return "".join(kept).strip("\n"), inside


def student_notebook(nb: dict, name: str = "notebook") -> dict:
    r"""The student version of notebook ``nb`` (a new dict; ``nb`` is not changed).

    Parameters
    ----------
    nb : dict
        A chapter notebook as read by :func:`~stepcourse.instructor.notebook.read_notebook`.
    name : str
        Its file name, for error messages and the ``stepcourse.chapter`` metadata of the result.

    Returns
    -------
    dict
        The notebook without solution blocks, ``solution`` and ``hidden-test`` cells, or outputs.

    Raises
    ------
    ValueError
        For a solution block that is never closed or closed without being opened, since stripping it
        would take the rest of the chapter with it.

    Examples
    --------
    >>> nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
    ...     {"cell_type": "markdown", "metadata": {}, "source": "```{solution-start} q\n```"},
    ...     {"cell_type": "code", "metadata": {"tags": ["solution"]}, "source": "x = 42",
    ...      "outputs": [], "execution_count": None},
    ...     {"cell_type": "markdown", "metadata": {}, "source": "```{solution-end}\n```\nNext."}]}
    >>> [cell["source"] for cell in student_notebook(nb)["cells"]]
    [['Next.']]
    """
    out = copy.deepcopy(nb)
    cells = []
    inside: Optional[str] = None
    for index, cell in enumerate(out["cells"]):
        kind = cell.get("cell_type")
        if kind == "markdown":
            text, inside = _strip_markdown(cell_text(cell), inside, f"{name}, cell {index}")
            if text.strip():
                set_cell_text(cell, text + "\n" if cell_text(cell).endswith("\n") else text)
                cells.append(cell)
            continue
        if inside is not None or any(tag in tags(cell) for tag in REMOVED_TAGS):
            continue
        if kind == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
            cell.get("metadata", {}).pop("execution", None)
        cells.append(cell)
    if inside is not None:
        raise ValueError(f"{name}: the solution of {inside!r} starts but has no {{solution-end}}")
    out["cells"] = cells
    metadata = out.setdefault("metadata", {})
    metadata.pop("widgets", None)  # saved widget state belongs to outputs
    metadata["stepcourse"] = {"student_version": True, "chapter": Path(name).stem}
    return out


def prepare_out_dir(out, force: bool, protected=()) -> Path:
    """Create ``out`` or check that it may be written to: empty, or ``force``; never a source folder."""
    out = Path(out)
    resolved = out.resolve()
    for source in protected:
        if Path(source).resolve() == resolved:
            raise ValueError(f"--out {str(out)!r} is the source folder {str(source)!r}; choose a new folder")
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {str(out)!r} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ValueError(f"--out {str(out)!r} is not empty; choose a new folder or pass --force "
                         f"(make: FORCE=1) to write over the files in it")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _requirements(notebooks) -> List[str]:
    """What the setup cells install (``%pip install ... SPEC``), so Binder and pip can do the same."""
    specs: List[str] = []
    for nb in notebooks:
        for cell in nb["cells"]:
            if cell.get("cell_type") != "code" or "setup" not in tags(cell):
                continue
            for line in cell_text(cell).splitlines():
                match = re.match(r"\s*[%!]\s*pip\s+install\s+(.*)$", line)
                if not match:
                    continue
                try:
                    words = shlex.split(match.group(1), comments=True)
                except ValueError:
                    continue
                for word in words:
                    if not word.startswith("-") and word not in specs:
                        specs.append(word)
    return specs or ["stepcourse"]


def _assets(book: Path, notebooks) -> List[Path]:
    """Files of ``book`` (images, data) whose relative path a notebook names."""
    text = "\n".join(cell_text(cell) for nb in notebooks for cell in nb["cells"])
    found = []
    for path in sorted(book.rglob("*")):
        rel = path.relative_to(book)
        if (path.is_file() and path.suffix != ".ipynb" and not any(p.startswith((".", "_")) for p in rel.parts)
                and rel.as_posix() in text):
            found.append(rel)
    return found


def make_student(chapters, out, *, book="book", force: bool = False, title: str = "Step by Step") -> List[Path]:
    """Write the student version of each chapter notebook in ``chapters`` into folder ``out``.

    Also writes ``requirements.txt`` (what the setup cells install) and a short ``README.md``, and copies
    any file of ``book`` that a notebook names by its relative path (none at the time of writing: the
    chapters need only the package). Every notebook is converted before anything is written, so an
    error leaves ``out`` untouched.

    Parameters
    ----------
    chapters : sequence of path
        The chapter notebooks; they are only read.
    out : path
        The folder to write; it must be new or empty unless ``force``, and never a source folder.
    book : path
        The folder of the chapters, searched for files the notebooks name.
    force : bool
        Write into a folder that is not empty (files of the same name are replaced).

    Returns
    -------
    list of Path
        The files written.
    """
    chapters = [Path(c) for c in chapters]
    if not chapters:
        raise ValueError("no chapters to convert")
    book = Path(book)
    protected = {c.parent for c in chapters} | ({book} if book.is_dir() else set())
    sources = [read_notebook(c) for c in chapters]
    students = [student_notebook(nb, c.name) for nb, c in zip(sources, chapters)]
    out = prepare_out_dir(out, force, protected)
    written = []
    for chapter, nb in zip(chapters, students):
        target = out / chapter.name
        write_notebook(nb, target)
        written.append(target)
    if book.is_dir():
        for rel in _assets(book, sources):
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(book / rel, out / rel)
            written.append(out / rel)
    (out / "requirements.txt").write_text("\n".join(_requirements(sources)) + "\n", encoding="utf-8")
    (out / "README.md").write_text(_STUDENT_README.format(title=title), encoding="utf-8")
    written += [out / "requirements.txt", out / "README.md"]
    return written

