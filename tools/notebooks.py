"""Execute lessons in place, deterministically: ``python tools/notebooks.py [NOTEBOOK ...]``.

Used by ``make notebooks`` (re-execute and save) and by ``benchmarks/bench.py`` (time
each lesson without saving). Each notebook runs in a fresh kernel from this Python
environment, with ``notebooks/`` as its working directory, exactly as nbval runs it.
The file is replaced atomically, so an interrupted run never leaves half a notebook.
"""

from __future__ import annotations

import argparse
import hashlib
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
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def lessons() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def coalesce_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) chunks, so that one print is one output.

    How the kernel splits a cell's printing into messages depends on timing; without this,
    re-running an unchanged lesson could still change the saved file.
    """
    merged: list = []
    for out in outputs:
        last = merged[-1] if merged else None
        if (out.get("output_type") == "stream" and last is not None
                and last.get("output_type") == "stream" and last.get("name") == out.get("name")):
            last["text"] += out["text"]
        else:
            merged.append(out)
    return merged


def stable_widget_ids(outputs: list, where: str) -> None:
    """Replace each widget view's random model id with one derived from its place.

    The widget state is not saved (it would be stale), so the id only has to be stable:
    then re-running an unchanged lesson leaves the file unchanged.
    """
    for number, out in enumerate(outputs):
        view = out.get("data", {}).get(WIDGET_VIEW)
        if view is not None:
            view["model_id"] = hashlib.sha256(f"{where}:{number}".encode()).hexdigest()[:32]


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
    for index, cell in enumerate(nb.cells):  # nothing machine- or run-specific in the saved file
        cell.get("metadata", {}).pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
            stable_widget_ids(cell.outputs, f"{path.name}:{index}")
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
