"""The hostile-input corpus, whole process: the worst time per command (budget ≤ 5 s per case).

The cases are those of ``tests/test_hostile_inputs.py`` (issue 16's suite): each runs once, in its
own temporary folder, as the test runs it. Here a case is not stopped at the 5 s budget but at
:data:`KILL_AFTER`, so a hang shows how long it really runs (a figure of that size means "killed").
The last rows count the cases over budget and the cases that break any of the suite's checks.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "tests" / "test_hostile_inputs.py"

#: Seconds after which a case is killed and reported at this figure.
KILL_AFTER = 20.0


def _suite():
    """The test module, loaded by path (``tests/`` is not a package)."""
    spec = importlib.util.spec_from_file_location("hostile_inputs_suite", SUITE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def measure(suite, kill_after: float = KILL_AFTER) -> list[tuple[str, str, float, list[str]]]:
    """Each case of ``suite`` once: (command, case id, seconds, problems)."""
    corpus = suite.Corpus()
    out = []
    with suite.servers(corpus) as ports, tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        for number, case in enumerate(suite.CASES):
            folder = Path(tmp, str(number))
            folder.mkdir()
            result, problems = suite.run_case(case, corpus, ports, folder, limit=kill_after)
            out.append((case.command, case.id, result.seconds, problems))
    return out


def run():
    suite = _suite()
    results = measure(suite)
    counts = Counter(command for command, *_ in results)
    worst: dict[str, tuple[float, str]] = {}
    for command, case_id, seconds, _ in results:
        if seconds > worst.get(command, (-1.0, ""))[0]:
            worst[command] = (seconds, case_id)
    rows = [(f"{command}: worst of {counts[command]} ({case_id})", seconds * 1000, "ms")
            for command, (seconds, case_id) in sorted(worst.items(), key=lambda item: -item[1][0])]
    over = sum(seconds >= suite.LIMIT for _, _, seconds, _ in results)
    broken = sum(bool(problems) for *_, problems in results)
    rows.append((f"cases over the {suite.LIMIT:g} s budget (of {len(results)})", over, "cases"))
    rows.append((f"cases that break a check of the suite (of {len(results)})", broken, "cases"))
    return rows


if __name__ == "__main__":
    for label, value, unit in run():
        print(f"{label:<70} {value:10.1f} {unit}")
