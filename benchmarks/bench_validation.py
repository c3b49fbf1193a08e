"""µs per validation: the explaining validator against cryptography's verifier (Rust).

Figures only, never pass/fail. Both judge the same course chain (leaf, intermediate, root)
at the course clock; the median of several rounds is reported. Ours does more work on
purpose: it builds every candidate path and writes a sentence for every check.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers.clock import now  # noqa: E402
from helpers.course import HOST  # noqa: E402
from helpers.pki import course_pki  # noqa: E402
from helpers.validation import cryptography_verdict, explain  # noqa: E402

ROUNDS, PER_ROUND = 7, 100


def _median_us(call) -> float:
    call()  # warm up
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(PER_ROUND):
            call()
        samples.append((time.perf_counter() - started) / PER_ROUND)
    return statistics.median(samples) * 1e6


def run() -> list[tuple[str, float, str]]:
    pki = course_pki()
    args = (pki.leaf.cert, [pki.intermediate.cert], [pki.root.cert], HOST)
    gallery = list(pki.gallery.values())
    ours = _median_us(lambda: explain(*args))
    theirs = _median_us(lambda: cryptography_verdict(*args, now()))
    ours_gallery = _median_us(lambda: [explain(c.leaf, c.intermediates, c.roots, c.host, c.at) for c in gallery])
    theirs_gallery = _median_us(lambda: [cryptography_verdict(c.leaf, c.intermediates, c.roots, c.host, c.at)
                                         for c in gallery])
    return [
        ("validation, explaining validator (valid course chain)", ours, "µs"),
        ("validation, cryptography verifier (valid course chain)", theirs, "µs"),
        ("validation, explaining validator (per gallery case)", ours_gallery / len(gallery), "µs"),
        ("validation, cryptography verifier (per gallery case)", theirs_gallery / len(gallery), "µs"),
    ]


if __name__ == "__main__":
    for label, value, unit in run():
        print(f"{label:<58} {value:9.1f} {unit}")
