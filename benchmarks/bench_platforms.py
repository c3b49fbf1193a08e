"""Lesson 08: parse + lint, and model, of one configuration per platform, in-process (budget ≤ 50 ms each).

Figures only, never pass/fail. Each figure is the median over many runs on the file `config`
generates for lesson 06's pin set; lint runs against today's chain (the heaviest case), and the
model decides on the rogue-CA chain against a two-root store.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers.course import HOST  # noqa: E402
from helpers.pki import course_pki  # noqa: E402
from helpers.platforms import MODULES  # noqa: E402
from helpers.platforms.gallery import generated  # noqa: E402
from helpers.show import Table  # noqa: E402

ROUNDS = 50


def _median_ms(action, rounds: int = ROUNDS) -> float:
    action()  # warm-up: caches (certifi, the course PKI) are built once per process
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1e3


def run() -> list[tuple[str, float, str]]:
    pki, configs = course_pki(), generated()
    roots = [pki.root.cert, pki.rogue_ca.cert]
    rows = []
    for name, mod in MODULES.items():
        text = configs[name]
        policy = mod.parse(text)
        rows.append((f"{name}: parse + lint with --chain (median)",
                     _median_ms(lambda m=mod, t=text: m.lint(m.parse(t), None, pki.leaf.chain)), "ms"))
        rows.append((f"{name}: model, rogue CA (median)",
                     _median_ms(lambda m=mod, p=policy: m.model(p, HOST, pki.rogue_leaf.chain, roots)), "ms"))
    return rows


if __name__ == "__main__":
    print(Table(("figure", "value", "unit"), [(label, f"{value:.2f}", unit) for label, value, unit in run()]))
