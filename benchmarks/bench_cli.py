"""The command line, whole process, median wall time (budget ≤ 150 ms for pin and verify).

The floor is Python itself plus ``import cryptography.x509``, which every command needs.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CERTS = ROOT / "data" / "certs"
RUNS = 15


def _median_ms(argv: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _nsc() -> str:
    """Lesson 08's Android config, written once to a temporary file."""
    import tempfile

    from helpers.platforms import android
    from helpers.platforms.gallery import course_policy

    path = Path(tempfile.mkdtemp()) / "network_security_config.xml"
    path.write_text(android.generate(course_policy()))
    return str(path)


def run():
    py, leaf, root = sys.executable, str(CERTS / "api.yourapp.com.pem"), str(CERTS / "yourapp-root.pem")
    cases = [
        ("floor: python -c 'import cryptography.x509'", [py, "-c", "import cryptography.x509"]),
        ("python -m helpers pin api.yourapp.com.pem", [py, "-m", "helpers", "pin", leaf]),
        ("python -m helpers verify … --roots yourapp-root.pem",
         [py, "-m", "helpers", "verify", leaf, "--host", "api.yourapp.com", "--roots", root]),
        ("python -m helpers inspect api.yourapp.com.pem", [py, "-m", "helpers", "inspect", leaf]),
        ("python -m helpers lint NSC.xml (lesson 08's pin set)", [py, "-m", "helpers", "lint", _nsc()]),
    ]
    return [(f"{label} (median of {RUNS})", _median_ms(argv), "ms") for label, argv in cases]


if __name__ == "__main__":
    for label, value, unit in run():
        print(f"{label:<70} {value:8.1f} {unit}")
