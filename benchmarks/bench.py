"""``make bench``: the course's figures. It prints; it never passes or fails.

1. Each lesson's Restart & Run All time, kernel start excluded (budget ≤ 5 s each).
2. The whole course under strict nbval (budget ≤ 60 s).
3. The size of ``.venv`` (budget ≤ 600 MB).
4. Every ``benchmarks/bench_<topic>.py`` module's ``run()`` figures (label, value, unit).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from tools.notebooks import execute, lessons  # noqa: E402


def row(label: str, value: float, unit: str, budget: str = "") -> None:
    print(f"  {label:<58} {value:>10.2f} {unit:<4} {budget}")


def bench_lessons() -> None:
    print("Lessons: Restart & Run All, kernel start excluded (budget ≤ 5 s each)")
    total = 0.0
    for path in lessons():
        cells, _ = execute(path, write=False)
        total += cells
        row(path.name, cells, "s")
    row("all lessons", total, "s")


def bench_nbval() -> None:
    print("Strict nbval over every lesson (budget ≤ 60 s)")
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", "notebooks"],
        cwd=ROOT, capture_output=True, text=True)
    row(f"pytest --nbval notebooks (exit {result.returncode})", time.perf_counter() - started, "s")


def venv_size() -> None:
    venv = ROOT / ".venv"
    if venv.exists():
        size = sum(f.stat().st_size for f in venv.rglob("*") if f.is_file() and not f.is_symlink())
        print("Set-up (budget ≤ 600 MB)")
        row(".venv size", size / 1e6, "MB")


def bench_modules() -> None:
    for path in sorted(HERE.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"{path.stem[6:].capitalize()} ({path.name})")
        for label, value, unit in module.run():
            row(label, value, unit)


def main() -> None:
    os.chdir(ROOT)
    for step in (bench_lessons, bench_nbval, venv_size, bench_modules):
        step()


if __name__ == "__main__":
    main()
