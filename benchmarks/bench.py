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


def _dist_size(dist) -> int:
    """Bytes of one installed distribution's files (symlinks not counted)."""
    total = 0
    for f in dist.files or ():
        path = Path(dist.locate_file(f))
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
    return total


def _lab_closure() -> set[str]:
    """The distributions `make lab` installs: the course, what it needs (without extras), and the venv seed."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen, todo = set(), ["https-pinning-course", "pip", "setuptools"]  # venv seeds pip and setuptools
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue
        for line in requires:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


def venv_size() -> None:
    """Both budgets: the whole venv (`make test`) and the part `make lab` installs alone."""
    from importlib import metadata

    from packaging.utils import canonicalize_name

    venv = ROOT / ".venv"
    if not venv.exists():
        return
    size = sum(f.stat().st_size for f in venv.rglob("*") if f.is_file() and not f.is_symlink())
    lab = _lab_closure()
    extra = {canonicalize_name(d.metadata["Name"]): _dist_size(d) for d in metadata.distributions()
             if canonicalize_name(d.metadata["Name"]) not in lab}
    print("Set-up (budgets: make lab ≤ 450 MB, make test ≤ 600 MB)")
    row(".venv size as make test leaves it", size / 1e6, "MB")
    row(".venv size make lab installs (without the extras' packages)", (size - sum(extra.values())) / 1e6, "MB")
    for name, nbytes in sorted(extra.items(), key=lambda kv: -kv[1])[:5]:
        row(f"  extra package {name}", nbytes / 1e6, "MB")


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
