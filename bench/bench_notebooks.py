"""Execution time of every chapter notebook (one fresh kernel each, as nbval and the book build run them).

Run: .venv/bin/python bench/bench_notebooks.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def main():
    total = 0.0
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        t = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
        dt = time.perf_counter() - t
        total += dt
        print(f"{path.name:40s} {dt:6.1f} s")
    print(f"{'all notebooks':40s} {total:6.1f} s  (python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
