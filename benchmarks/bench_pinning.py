"""The cost of pinning: a TLS handshake on loopback with and without the pin check.

Figures only, never pass/fail. Each figure is the median of many full handshakes
(TCP connect + TLS 1.3 + close) against the course server, so the difference between
rows is the price of reading the verified chain and hashing its SPKIs.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers.attacks import leaf_pins, real_server  # noqa: E402
from helpers.pinning.client import CaClient, PinnedClient, check_pins  # noqa: E402
from helpers.pki import course_pki  # noqa: E402
from helpers.show import Table  # noqa: E402

ROUNDS = 200


def _median_ms(clients: dict, server, rounds: int = ROUNDS) -> dict[str, float]:
    """Median handshake time per client; the clients take turns, so drift hits all equally."""
    samples: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(rounds):
        for name, client in clients.items():
            started = time.perf_counter()
            client.connect(server.host, server.port).close()
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) * 1e3 for name, values in samples.items()}


def _pin_check_us(rounds: int = 2000) -> float:
    pins, pki = leaf_pins(), course_pki()
    chain = [pki.leaf.cert, pki.intermediate.cert, pki.root.cert]
    started = time.perf_counter()
    for _ in range(rounds):
        check_pins(pins, chain)
    return (time.perf_counter() - started) / rounds * 1e6


def run() -> list[tuple[str, float, str]]:
    roots = [course_pki().root.cert]
    with real_server() as server:
        CaClient(roots).connect(server.host, server.port).close()  # warm-up
        times = _median_ms({"plain": CaClient(roots), "pinned": PinnedClient(leaf_pins(), roots),
                            "rebuilt": PinnedClient(leaf_pins(), roots, rebuild=True)}, server)
    return [
        ("handshake, CA validation only (median)", times["plain"], "ms"),
        ("handshake + pin check on OpenSSL's verified chain (median)", times["pinned"], "ms"),
        ("handshake + pin check on a chain rebuilt by cryptography (median)", times["rebuilt"], "ms"),
        ("pin check alone (3 certificates, SPKI + cert hashes)", _pin_check_us(), "µs"),
    ]


if __name__ == "__main__":
    print(Table(("figure", "value", "unit"), [(label, f"{value:.3f}", unit) for label, value, unit in run()]))
