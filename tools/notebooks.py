"""Execute lessons in place, deterministically: ``python tools/notebooks.py [NOTEBOOK ...]``.

Used by ``make notebooks`` (re-execute and save) and by ``benchmarks/bench.py`` (time
each lesson without saving). Each notebook runs in a fresh kernel from this Python
environment, with ``notebooks/`` as its working directory, exactly as nbval runs it.
The file is replaced atomically, so an interrupted run never leaves half a notebook.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
TIMEOUT = 120


def lessons() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def execute(path: Path, *, write: bool = True) -> tuple[float, float]:
    """Run every cell of ``path`` in a fresh kernel.

    Returns (seconds for the cells alone, seconds including kernel start).
    """
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    )
    client.allow_errors = False
    started = time.perf_counter()
    with client.setup_kernel():
        ready = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            tags = set(cell.get("metadata", {}).get("tags", []))
            client.allow_errors = "raises-exception" in tags
            client.execute_cell(cell, index)
    finished = time.perf_counter()
    for cell in nb.cells:  # nothing machine- or run-specific in the saved file
        cell.get("metadata", {}).pop("execution", None)
    nb.metadata.pop("widgets", None)
    if write:
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".ipynb.tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            nbformat.write(nb, fh)
        os.replace(tmp, path)
    return finished - ready, finished - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every lesson")
    args = parser.parse_args(argv)
    paths = args.notebooks or lessons()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    failed = 0
    for path in paths:
        try:
            cells, _ = execute(path.resolve())
        except Exception as exc:  # report and go on to the next lesson
            failed += 1
            print(f"✗ {path.name}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            continue
        print(f"✓ {path.name}: {cells:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
