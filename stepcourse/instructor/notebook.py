"""Reading chapter notebooks: cells, tags, Markdown fences, exercises and the chapters of a book.

Notebooks are read and written as plain JSON (nbformat 4), so making a student version needs no
Jupyter package. Markdown is scanned for top-level fences (```` ``` ```` or ``:::``, three or more),
which is how MyST writes the ``{exercise}`` and ``{solution-start}`` directives; what is inside another
fence (an example in a code block, say) is never mistaken for a directive.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

__all__ = ["Fence", "Exercise", "read_notebook", "write_notebook", "cell_text", "set_cell_text", "tags",
           "fences", "directive", "chapter_exercises", "find_chapters", "resolve_chapters", "check_calls",
           "answer_expression", "iter_code", "CHECK_CALL"]

#: A call of the check in a code cell: ``sc.exercises.check("label", ...)`` or ``check('label', ...)``.
CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([^"']+)["']""")

_FENCE_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}|:{3,})(?P<info>.*)$")
_DIRECTIVE = re.compile(r"^\s*\{(?P<name>[\w:.-]+)\}\s*(?P<arg>.*?)\s*$")
_OPTION = re.compile(r"^\s*:(?P<key>[\w-]+):\s*(?P<value>.*?)\s*$")


def read_notebook(path) -> dict:
    """The notebook at ``path`` as a dict (nbformat 4 JSON), or ``ValueError`` saying why not."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as fh:
            nb = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read notebook {str(path)!r}: {exc}") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list) or nb.get("nbformat") != 4:
        raise ValueError(f"{str(path)!r} is not a version-4 Jupyter notebook (no 'cells' list or nbformat != 4)")
    return nb


def write_notebook(nb: dict, path) -> None:
    """Write ``nb`` as JSON the way Jupyter does (one-space indent, sorted keys, trailing newline)."""
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(nb, fh, indent=1, sort_keys=True, ensure_ascii=False)
        fh.write("\n")


def cell_text(cell: dict) -> str:
    """The source of ``cell`` as one string (the JSON may hold a string or a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def set_cell_text(cell: dict, text: str) -> None:
    """Store ``text`` as the cell's source, split in lines as Jupyter writes it."""
    cell["source"] = text.splitlines(keepends=True)


def tags(cell: dict) -> List[str]:
    """The cell's tags (``metadata.tags``), or an empty list."""
    value = cell.get("metadata", {}).get("tags", [])
    return list(value) if isinstance(value, list) else []


@dataclass(frozen=True)
class Fence:
    """A top-level fenced block in Markdown: lines ``start`` to ``end`` inclusive and its info string."""

    start: int
    end: int
    info: str


def fences(lines: List[str]) -> List[Fence]:
    """The top-level fences in ``lines`` (CommonMark rules: closed by the same character, at least as long).

    A fence left open runs to the last line, as CommonMark reads it.
    """
    found, i = [], 0
    while i < len(lines):
        match = _FENCE_OPEN.match(lines[i].rstrip("\r\n"))
        if not match:
            i += 1
            continue
        fence = match.group("fence")
        closing = re.compile(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$")
        end = i + 1
        while end < len(lines) and not closing.match(lines[end].rstrip("\r\n")):
            end += 1
        end = min(end, len(lines) - 1)
        found.append(Fence(i, end, match.group("info")))
        i = end + 1
    return found


def directive(info: str) -> Tuple[Optional[str], str]:
    """``(name, argument)`` of a MyST directive's info string (``{exercise} Title``), or ``(None, "")``."""
    match = _DIRECTIVE.match(info)
    if not match:
        return None, ""
    return match.group("name"), match.group("arg")


def _options(lines: List[str], fence: Fence) -> dict:
    """The ``:key: value`` options at the top of a directive's body."""
    options = {}
    for line in lines[fence.start + 1:fence.end]:
        match = _OPTION.match(line)
        if not match:
            break
        options[match.group("key")] = match.group("value")
    return options


def check_calls(code: str) -> List[str]:
    """Labels of the exercise checks called in ``code``, in order."""
    return CHECK_CALL.findall(code)


def answer_expression(code: str, label: str) -> Optional[str]:
    """The source of the answer passed to ``check(label, answer)`` in ``code`` (the last such call)."""
    try:
        tree = ast.parse(_without_magics(code))
    except SyntaxError:
        return None
    found = None
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and len(node.args) >= 2 and isinstance(node.args[0], ast.Constant)
                and node.args[0].value == label and _call_name(node.func) == "check"):
            found = ast.unparse(node.args[1])
    return found


def _call_name(func: ast.AST) -> Optional[str]:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _without_magics(code: str) -> str:
    # IPython lines (%pip, !ls) are not Python; blank them so ast can read the rest.
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines())


@dataclass(frozen=True)
class Exercise:
    """An exercise found in a chapter notebook."""

    chapter: str          #: the notebook's name without ``.ipynb``
    label: str            #: the ``:label:`` of the ``{exercise}`` directive
    title: str            #: the directive's argument, as the site shows it
    cell: int             #: index of the Markdown cell with the directive
    stub_cell: Optional[int]      #: index of the code cell tagged ``exercise`` that answers it
    solution_cells: Tuple[int, ...]  #: indices of the code cells between its solution-start and -end


def chapter_exercises(nb: dict, chapter: str = "") -> List[Exercise]:
    """The exercises of notebook ``nb`` in order, with their stub and solution cells."""
    found = []  # [label, title, cell, stub, [solution cells]]
    solutions: dict = {}
    inside: Optional[str] = None
    for index, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") == "markdown":
            lines = cell_text(cell).splitlines(keepends=True)
            for fence in fences(lines):
                name, arg = directive(fence.info)
                if name in ("exercise", "exercise-start"):
                    label = _options(lines, fence).get("label", "")
                    found.append([label, arg, index, None])
                elif name == "solution-start":
                    inside = arg.split()[0] if arg.split() else ""
                    solutions.setdefault(inside, [])
                elif name == "solution-end":
                    inside = None
        elif cell.get("cell_type") == "code":
            if inside is not None:
                solutions[inside].append(index)
            elif "exercise" in tags(cell) and found and found[-1][3] is None:
                found[-1][3] = index
    return [Exercise(chapter, label, title, cell, stub, tuple(solutions.get(label, ())))
            for label, title, cell, stub in found]


def find_chapters(book) -> List[Path]:
    """The chapter notebooks in folder ``book``, sorted by name (checkpoints and hidden files left out)."""
    book = Path(book)
    if not book.is_dir():
        raise ValueError(f"book folder {str(book)!r} does not exist; run from the course repository or "
                         f"pass --book with the folder that holds the chapter notebooks")
    return sorted(p for p in book.glob("*.ipynb") if not p.name.startswith("."))


def resolve_chapters(names, book) -> List[Path]:
    """Chapter notebooks for ``names`` (a chapter name such as ``steps``, or a path); all of them if empty."""
    chapters = find_chapters(book)
    if not names:
        if not chapters:
            raise ValueError(f"there are no chapter notebooks (*.ipynb) in {str(book)!r}")
        return chapters
    resolved = []
    for name in names:
        path = Path(name)
        candidates = [path, Path(book) / path, Path(book) / f"{name}.ipynb"]
        match = next((c for c in candidates if c.is_file() and c.suffix == ".ipynb"), None)
        if match is None:
            known = ", ".join(p.stem for p in chapters) or "none"
            raise ValueError(f"no chapter {name!r}: give a chapter name or a notebook path; "
                             f"chapters in {str(book)!r}: {known}")
        if match not in resolved:
            resolved.append(match)
    return resolved


def iter_code(nb: dict) -> Iterator[Tuple[int, dict, str]]:
    """``(index, cell, source)`` for every code cell of ``nb``."""
    for index, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") == "code":
            yield index, cell, cell_text(cell)
