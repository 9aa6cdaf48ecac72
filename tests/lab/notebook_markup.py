"""Make the chapter notebooks read the same in JupyterLab (jupyterlab-myst) as on the site.

    python tests/lab/notebook_markup.py [--check] [book/*.ipynb]

Idempotent: run it again after new prose lands. With ``--check`` it changes nothing and exits 1 if a
notebook still needs a change. What it does, cell by cell:

* **Computed numbers in sentences.** jupyterlab-myst does not render ``{glue:text}`` roles, and
  MyST's ``{eval}`` role needs myst-nb's ``inline`` execution, which never runs cells tagged
  ``remove-cell`` (so the hidden asserts would stop running in the book build). A paragraph that
  shows a computed number is therefore a code cell tagged ``remove-input`` whose output is the
  paragraph as Markdown (``Markdown(rf\"\"\"...{value}...\"\"\")``): the site renders it as MyST
  (cell metadata ``mystnb.markdown_format: myst``), JupyterLab renders it with jupyterlab-myst, and
  the input is stored collapsed (``metadata.jupyter.source_hidden``). Each
  ``glue("key", value, display=False)`` becomes an assignment ``key = value`` (``key_text`` when the
  chapter's code already uses the name ``key``), and the ``try: from myst_nb import glue`` fallback
  goes away.
* **Solutions collapsed.** Every cell tagged ``solution`` is stored with its source hidden.
* **The setup cell** (tagged ``setup``) installs the package on Colab or Binder (:data:`SETUP`).
"""
from __future__ import annotations

import ast
import json
import re
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPO_URL = "https://github.com/stepcourse/stepcourse"

#: The first code cell of every chapter (tags ``remove-cell``, ``setup``).
SETUP = f'''\
try:
    import stepcourse  # noqa: F401
except ImportError:  # Colab or Binder without the course package
    %pip install -q "stepcourse @ git+{REPO_URL}"'''

GLUE_ROLE = re.compile(r"\{glue(?::text)?\}`([^`]+)`")
#: First line of a Markdown-output cell: JupyterLab shows it on the collapsed input.
MARKDOWN_HEAD = "# A paragraph with computed numbers: run the cell to show it.\n"
MARKDOWN_CELL = MARKDOWN_HEAD + "from IPython.display import Markdown\n\nMarkdown(rf\"\"\"\n{body}\n\"\"\")"
MARKDOWN_META = {"tags": ["remove-input"], "jupyter": {"source_hidden": True},
                 "mystnb": {"markdown_format": "myst"}}


def _text(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _set_text(cell, text: str) -> None:
    cell["source"] = text.splitlines(keepends=True)


def _tags(cell) -> list:
    return list(cell.get("metadata", {}).get("tags", []))


def _new_id(nb) -> str:
    used = {c.get("id") for c in nb["cells"]}
    while True:
        new = secrets.token_hex(4)
        if new not in used:
            return new


def _code_cell(nb, text: str, metadata: dict) -> dict:
    cell = {"cell_type": "code", "execution_count": None, "id": _new_id(nb),
            "metadata": json.loads(json.dumps(metadata)), "outputs": [], "source": []}
    _set_text(cell, text)
    return cell


def _markdown_cell(nb, text: str) -> dict:
    cell = {"cell_type": "markdown", "id": _new_id(nb), "metadata": {}, "source": []}
    _set_text(cell, text)
    return cell


# -- glue ---------------------------------------------------------------------------------------
def _glue_statements(code: str):
    """``(kind, first_line, last_line, key, value_source)`` for the glue statements of ``code``."""
    try:
        tree = ast.parse("\n".join("" if ln.lstrip().startswith(("%", "!")) else ln
                                   for ln in code.splitlines()))
    except SyntaxError:
        return []
    found = []
    for node in tree.body:
        if isinstance(node, ast.Try) and any(
                isinstance(s, ast.ImportFrom) and s.module == "myst_nb"
                and any(a.name == "glue" for a in s.names) for s in node.body):
            found.append(("import", node.lineno, node.end_lineno, None, None))
        elif isinstance(node, ast.ImportFrom) and node.module == "myst_nb":
            found.append(("import", node.lineno, node.end_lineno, None, None))
        elif (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
              and isinstance(node.value.func, ast.Name) and node.value.func.id == "glue"
              and len(node.value.args) >= 2 and isinstance(node.value.args[0], ast.Constant)):
            found.append(("glue", node.lineno, node.end_lineno, node.value.args[0].value,
                          ast.get_source_segment(code, node.value.args[1])))
    return found


def _uses_name(nb, name: str, skip_glue: bool = True) -> bool:
    pattern = re.compile(rf"(?<![\w.\"']){re.escape(name)}(?![\w\"'])")
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        code = _text(cell)
        lines = code.splitlines()
        if skip_glue:
            for kind, first, last, _, _ in _glue_statements(code):
                for i in range(first - 1, last):
                    lines[i] = ""
        if pattern.search("\n".join(lines)):
            return True
    return False


def _blocks(text: str) -> list:
    """Markdown ``text`` split in blocks at blank lines outside fences and ``$$`` math."""
    blocks, current, fence, math = [], [], None, False
    for line in text.splitlines():
        stripped = line.strip()
        if fence is None and not math and stripped == "":
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
        if fence is not None:
            if stripped.startswith(fence) and stripped.strip(fence[0]) == "":
                fence = None
        elif (m := re.match(r"^(`{3,}|:{3,})", stripped)):
            fence = m.group(1)
        elif stripped.startswith("$$"):
            # a one-line $$...$$ opens and closes on the same line
            if not (len(stripped) > 2 and stripped.endswith("$$") and stripped != "$$"):
                math = not math
    if current:
        blocks.append("\n".join(current))
    return blocks


def _wrap(paragraph: str, width: int = 88) -> str:
    """A plain paragraph re-flowed to ``width`` columns, never breaking inside ``$math$`` or
    ```code```; a block that is not a plain paragraph (list, table, heading, math) is kept as is."""
    lines = paragraph.splitlines()
    if any(re.match(r"^\s*([-*+>#|]|\d+[.)]\s|\$\$|`{3}|:{3})", ln) for ln in lines):
        return paragraph
    words, current, open_char = [], "", None
    for word in " ".join(ln.strip() for ln in lines).split(" "):
        current = f"{current} {word}" if current else word
        for ch in word:
            if ch in "$`" and (open_char is None or open_char == ch):
                open_char = None if open_char == ch else ch
        if open_char is None:
            words.append(current)
            current = ""
    if current:
        words.append(current)
    out, line = [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    out.append(line)
    return "\n".join(out)


def convert_glue(nb) -> bool:
    """Turn glue into assignments and glued paragraphs into Markdown-output cells. True if changed."""
    changed = False
    names = {}
    # 1. glue(...) -> assignments; the myst_nb import goes.
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        code = _text(cell)
        statements = _glue_statements(code)
        if not statements:
            continue
        lines = code.splitlines()
        for kind, first, last, key, value in reversed(statements):
            if kind == "import":
                replacement = []
            else:
                var = names.get(key) or (f"{key}_text" if _uses_name(nb, key) else key)
                names[key] = var
                replacement = f"{var} = {value}".splitlines()
            lines[first - 1:last] = replacement
        new = "\n".join(lines).strip("\n")
        new = re.sub(r"\n{3,}", "\n\n", new)
        _set_text(cell, new)
        changed = True
    # 2. paragraphs with glue roles -> Markdown-output code cells.
    cells = []
    for cell in nb["cells"]:
        text = _text(cell)
        if cell["cell_type"] != "markdown" or not GLUE_ROLE.search(text):
            cells.append(cell)
            continue
        changed = True
        pending, first = [], len(cells)
        for block in _blocks(text):
            if not GLUE_ROLE.search(block):
                pending.append(block)
                continue
            if pending:
                cells.append(_markdown_cell(nb, "\n\n".join(pending)))
                pending = []
            if '"""' in block:
                raise ValueError(f"a paragraph with glue contains triple quotes: {block[:80]!r}")
            body, last = [], 0
            for m in GLUE_ROLE.finditer(block):
                body.append(block[last:m.start()].replace("{", "{{").replace("}", "}}"))
                key = m.group(1).strip()
                var = names.get(key) or (key if _uses_name(nb, key, skip_glue=False) else None)
                if var is None:
                    var = f"{key}_text" if _uses_name(nb, f"{key}_text", skip_glue=False) else key
                body.append("{" + var + "}")
                last = m.end()
            body.append(block[last:].replace("{", "{{").replace("}", "}}"))
            cells.append(_code_cell(nb, MARKDOWN_CELL.format(body=_wrap("".join(body))), MARKDOWN_META))
        if pending:
            cells.append(_markdown_cell(nb, "\n\n".join(pending)))
        if "id" in cell:  # the first part keeps the cell's id
            cells[first]["id"] = cell["id"]
        else:
            for part in cells[first:]:
                part.pop("id", None)
    # a glue-only cell emptied by step 1 goes; keep the cell ids of the first markdown part
    nb["cells"] = [c for c in cells if not (c["cell_type"] == "code" and not _text(c).strip())]
    return changed


def _hoist_late_values(nb) -> None:
    """Move ``name = value`` into the Markdown-output cell that shows ``name`` before it is assigned."""
    for index, var in _defined_before_use(nb):
        target = nb["cells"][index]
        for later in nb["cells"][index + 1:]:
            if later["cell_type"] != "code":
                continue
            code = _text(later)
            try:
                tree = ast.parse(code)
            except SyntaxError:
                continue
            node = next((n for n in tree.body if isinstance(n, ast.Assign) and len(n.targets) == 1
                         and isinstance(n.targets[0], ast.Name) and n.targets[0].id == var), None)
            if node is None:
                continue
            lines = code.splitlines()
            moved = lines[node.lineno - 1:node.end_lineno]
            del lines[node.lineno - 1:node.end_lineno]
            _set_text(later, "\n".join(lines).strip("\n"))
            head, sep, rest = _text(target).partition("\n\nMarkdown(")
            _set_text(target, head + "\n\n" + "\n".join(moved) + sep + rest)
            break
    nb["cells"] = [c for c in nb["cells"] if not (c["cell_type"] == "code" and not _text(c).strip())]


def _is_markdown_output(cell) -> bool:
    return (cell["cell_type"] == "code" and "remove-input" in _tags(cell)
            and 'Markdown(rf"""' in _text(cell))


def label_markdown_outputs(nb) -> bool:
    """Start every Markdown-output cell with :data:`MARKDOWN_HEAD`. True if changed."""
    changed = False
    for cell in nb["cells"]:
        if _is_markdown_output(cell) and not _text(cell).startswith(MARKDOWN_HEAD):
            _set_text(cell, MARKDOWN_HEAD + _text(cell))
            changed = True
    return changed


def _defined_before_use(nb) -> list:
    """Names a Markdown-output cell shows before any code cell assigns them (a reading error)."""
    problems, assigned = [], set()
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        code = _text(cell)
        try:
            tree = ast.parse("\n".join("" if ln.lstrip().startswith(("%", "!")) else ln
                                       for ln in code.splitlines()))
        except SyntaxError:
            continue
        # names the cell assigns before its Markdown(...) call count as assigned
        assigned |= {node.id for node in ast.walk(tree)
                     if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
        if _is_markdown_output(cell):
            for var in re.findall(r"(?<!\{)\{([A-Za-z_]\w*)\}(?!\})", code):
                if var not in assigned:
                    problems.append((index, var))
    return problems


# -- solutions and setup --------------------------------------------------------------------------
def collapse_solutions(nb) -> bool:
    changed = False
    for cell in nb["cells"]:
        if "solution" in _tags(cell):
            jupyter = cell.setdefault("metadata", {}).setdefault("jupyter", {})
            if jupyter.get("source_hidden") is not True:
                jupyter["source_hidden"] = True
                changed = True
    return changed


def fix_setup(nb) -> bool:
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "setup" in _tags(cell):
            if _text(cell) != SETUP:
                _set_text(cell, SETUP)
                return True
            return False
    return False


def process(path: Path, check: bool) -> list:
    """What had to change in the notebook at ``path`` (written back unless ``check``)."""
    with open(path, encoding="utf-8") as fh:
        nb = json.load(fh)
    changes = [name for name, fix in (("computed numbers", convert_glue),
                                      ("computed paragraphs labelled", label_markdown_outputs),
                                      ("solutions collapsed", collapse_solutions),
                                      ("setup cell", fix_setup)) if fix(nb)]
    _hoist_late_values(nb)
    problems = _defined_before_use(nb)
    if problems:
        raise ValueError(f"{path.name}: shown before assigned (cell, name): {problems}")
    if changes and not check:
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            json.dump(nb, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
    return changes


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    paths = [Path(a) for a in args if a != "--check"] or sorted((ROOT / "book").glob("*.ipynb"))
    status = 0
    for path in paths:
        changes = process(path, check)
        if changes:
            print(f"{path}: {'needs' if check else 'changed'}: {', '.join(changes)}")
            status = 1 if check else status
    return status


if __name__ == "__main__":
    sys.exit(main())
