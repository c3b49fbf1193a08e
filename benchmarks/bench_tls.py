"""Lesson 04's figure: how long one in-memory TLS 1.3 handshake takes to step and decrypt."""

from __future__ import annotations

import statistics
import time

from helpers.pki import course_pki
from helpers.show import Table
from helpers.tls.decode import decode
from helpers.tls.handshake import capture_handshake, run_handshake

ROUNDS = 15


def _median_ms(action) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run() -> list[tuple[str, float, str]]:
    course_pki()                                       # build the PKI once, outside the timing
    capture = capture_handshake()

    def analyse() -> None:
        handshake = decode(capture)
        handshake.verify_certificate_verify()
        handshake.verify_finished()

    def step_and_decrypt() -> None:
        handshake = run_handshake()
        handshake.verify_certificate_verify()
        handshake.verify_finished()

    both = f"TLS 1.3 handshake: step + decrypt + verify (median of {ROUNDS})"
    return [(both, _median_ms(step_and_decrypt), "ms"),
            (f"TLS 1.3 handshake: decrypt + verify only (median of {ROUNDS})", _median_ms(analyse), "ms")]


if __name__ == "__main__":
    print(Table(("figure", "value", "unit"), [(label, f"{value:.2f}", unit) for label, value, unit in run()]))
